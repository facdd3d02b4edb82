import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { MARKDOWN_MAX_BYTES, utf8Bytes } from '../alerts/wecom.js';
import type { Notice } from '../alerts/notice.js';
import { digestNotices, groupDigest, officerDigest, overdueNotice, sheetLink } from './digest.js';
import { patrolDelivery } from './notify.js';
import { periodEndingAt } from './periods.js';
import { buildSheet } from './sheet.js';
import type { PeriodStats } from './stats.js';
import type { PatrolSheet } from './types.js';

const base = loadRegistry();
// 王青 has a WeCom userid: her digest mentions her
const registry = { ...base, officers: base.officers.map((o) => (o.id === 'OF-01' ? { ...o, wecomUserId: 'wangqing' } : o)) };
const END = Date.parse('2026-11-27T16:30:00+08:00');
const URL_BASE = 'https://park.example.cn/';
const LINK = '[详见巡查表 P-20261127-1630](https://park.example.cn/patrol/P-20261127-1630)';

/** a fixed sheet: WP-01 with one COD exceedance and two warnings, its valve shut, two open tickets; nothing received elsewhere */
function fixedSheet(): PatrolSheet {
  const stats: PeriodStats = {
    received: new Map([['WP-01/WP-01-M/w01018', 48]]),
    valid: new Map([['WP-01/w01018', { count: 40, min: 120, max: 620, mean: 300 }]]),
    buckets: new Map([['WP-01/WP-01-M', 48]]),
    lastAt: new Map([['WP-01/WP-01-M', END - 1000]]),
    valve: new Map([['WP-01', { value: 0, at: END - 3_600_000 }]]),
    beyond: new Map([['WP-01/w01018', { exceedances: 1, warnings: 2 }]]),
  };
  const tickets = [{ id: 'WO-20261127-0001', site: 'WP-01' }, { id: 'WO-20261126-0004', site: 'WP-01' }];
  const sheet = buildSheet({ registry, period: periodEndingAt(END, registry.patrol.times, registry.park.timezone), stats, tickets: { list: (f) => ({ tickets: (f.status ? tickets : []) as never, total: f.status ? 2 : 0 }) }, producedAt: END });
  return sheet;
}

describe('patrol digests (WeCom markdown)', () => {
  const sheet = fixedSheet();
  const part = sheet.officers.find((p) => p.officer === 'OF-01')!;

  it("gives an officer their part: enterprises first with their sites, exceedances, warnings, offline devices, open tickets, valve; @-mention and link", () => {
    const md = officerDigest(sheet, part, registry, URL_BASE);
    const lines = md.split('\n');
    expect(lines[0]).toBe('### 巡查表 P-20261127-1630 王青 <@wangqing>');
    expect(lines[1]).toBe('>时段：2026-11-27 08:30 至 16:30');
    expect(lines[3]).toBe('>请于 2026-11-27 18:30 前签收');
    const wp01 = lines.find((l) => l.startsWith('- WP-01 '))!;
    expect(wp01).toContain('<font color="warning">超标 化学需氧量 1 次</font>');
    expect(wp01).toContain('预警 2 次');
    expect(wp01).toContain('未关闭工单 2 张（WO-20261127-0001、WO-20261126-0004）');
    expect(wp01).toContain('阀门 关');
    expect(wp01).not.toContain('离线');
    // the enterprise heading comes before its sites; every site of the part is listed, in the part's order
    const order = [...part.enterprises.flatMap((e) => e.sites), ...part.sites];
    expect(lines.filter((l) => l.startsWith('- ')).map((l) => l.split(' ')[1])).toEqual(order);
    expect(lines.indexOf(`**${part.enterprises[0]!.name}**`)).toBeLessThan(lines.indexOf(wp01));
    // other sites got nothing: offline
    const silent = lines.find((l) => l.startsWith('- ') && !l.startsWith('- WP-01 '))!;
    expect(silent).toMatch(/完整率 0%，在线率 0%，<font color="warning">离线 /);
    expect(lines.at(-1)).toBe(LINK);
    expect(md).toContain('未关闭工单 2 张');
    // only the officer's own sites
    const others = sheet.sites.filter((s) => s.officer !== 'OF-01').map((s) => s.site);
    for (const id of others) expect(md).not.toContain(`- ${id} `);
  });

  it('without PUBLIC_URL names the sheet instead of linking; an officer without userid is not mentioned', () => {
    const other = sheet.officers.find((p) => p.officer === 'OF-02')!;
    const md = officerDigest(sheet, other, registry);
    expect(md.split('\n')[0]).toBe('### 巡查表 P-20261127-1630 李明');
    expect(md).not.toContain('<@');
    expect(md).not.toContain('](');
    expect(md.split('\n').at(-1)).toBe('详见网页巡查表 P-20261127-1630');
  });

  it('keeps a digest within 4096 bytes: lines that do not fit are counted, the 详见 link stays', () => {
    // an officer answering for 300 sites
    const many = Array.from({ length: 300 }, (_, i) => ({ ...sheet.sites.find((s) => s.site === 'WP-01')!, site: `WP-${String(i).padStart(2, '0')}`, officer: 'OF-01' }));
    const big: PatrolSheet = { ...sheet, sites: many, officers: [{ officer: 'OF-01', name: '王青', enterprises: [], sites: many.map((s) => s.site) }] };
    const md = officerDigest(big, big.officers[0]!, registry, URL_BASE);
    expect(utf8Bytes(md)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    const listed = md.split('\n').filter((l) => l.startsWith('- ')).length;
    expect(listed).toBeGreaterThan(5);
    expect(listed).toBeLessThan(300);
    expect(md.split('\n').at(-1)).toBe(`> …… 另有 ${300 - listed} 行未列出，${LINK}`);
    const [notice] = digestNotices(big, registry, URL_BASE);
    expect(notice!.message).toEqual({ msgtype: 'markdown', markdown: { content: md } });
  });

  it('sums the park up for the group: totals, one line per officer, the sites to look at', () => {
    const md = groupDigest(sheet, registry, URL_BASE);
    const lines = md.split('\n');
    expect(lines[0]).toBe('### 湖北某经济开发区 巡查汇总 P-20261127-1630');
    expect(lines[2]).toMatch(new RegExp(`^>点位 ${sheet.sites.length} 个，平均完整率 [\\d.]+%，平均在线率 [\\d.]+%$`));
    expect(lines[3]).toMatch(/^>超标 1 次，预警 2 次，离线设备 \d+ 台，恒值 0 项，未关闭工单 2 张$/);
    expect(lines.filter((l) => /^- [^A-Z]/.test(l)).map((l) => l.slice(2).split('：')[0])).toEqual(sheet.officers.map((p) => p.name));
    expect(lines).toContain('- 王青：点位 ' + sheet.sites.filter((s) => s.officer === 'OF-01').length + '，超标 1，预警 2，离线 ' + sheet.sites.filter((s) => s.officer === 'OF-01' && s.offlineDevices.length).length + '，未关闭工单 2');
    expect(lines).toContain('**需关注点位**');
    expect(lines.find((l) => l.startsWith('- WP-01 '))).toMatch(/^- WP-01 .+：<font color="warning">超标 化学需氧量 1 次<\/font>$/);
    expect(lines.at(-1)).toMatch(new RegExp(`(^|，)${LINK.replace(/[[\]().|]/g, '\\$&')}$`));
    expect(utf8Bytes(md)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
  });

  it('makes one notice per officer part and one for the group, with stable ids; the chief\'s alert as a text mentioning the chief', () => {
    const notices = digestNotices(sheet, registry, URL_BASE);
    expect(notices.map((n) => n.id)).toEqual([...sheet.officers.map((p) => `P-20261127-1630|${p.officer}|digest`), 'P-20261127-1630|group|digest']);
    expect(notices.every((n) => n.kind === 'patrol-digest' && n.ref === 'P-20261127-1630' && n.message.msgtype === 'markdown')).toBe(true);
    expect(digestNotices(sheet, registry, URL_BASE)).toEqual(notices);
    const e = { key: 'patrol:P-20261127-1630|OF-02|overdue', kind: 'patrol-overdue' as const, sheet: 'P-20261127-1630', officer: 'OF-02', officerName: '李明', dueAt: END + 7_200_000, at: END + 7_200_000, chief: { name: '陈科长', mobile: '13800001199' }, text: '【巡查未签收】李明（OF-02）未在 2026-11-27 18:30 前签收巡查表 P-20261127-1630，请科长督办。' };
    const n = overdueNotice(e, URL_BASE);
    expect(n).toMatchObject({ id: 'P-20261127-1630|OF-02|overdue', kind: 'patrol-overdue', ref: 'P-20261127-1630', high: true });
    expect(n.message).toEqual({ msgtype: 'text', text: { content: `${e.text}\n详见 https://park.example.cn/patrol/P-20261127-1630`, mentioned_mobile_list: ['13800001199'] } });
    expect(overdueNotice(e).message).toMatchObject({ text: { content: e.text } });
  });
});

describe('PUBLIC_URL and the hand-over to the alerts', () => {
  it('links the sheet under PUBLIC_URL (validated by gateway/env.ts)', () => {
    expect(sheetLink('https://park.example.cn/gw/', 'P-20261127-1630')).toBe('https://park.example.cn/gw/patrol/P-20261127-1630');
  });

  it('hands every digest and the chief alert to notify; none when patrol.digests is off', () => {
    const got: Notice[] = [];
    const alerts = { notify: (n: Notice) => got.push(n) > 0 };
    const sheet = fixedSheet();
    patrolDelivery(alerts, registry, URL_BASE).onSheet(sheet);
    expect(got.map((n) => n.id)).toEqual(digestNotices(sheet, registry, URL_BASE).map((n) => n.id));
    got.length = 0;
    const off = patrolDelivery(alerts, { ...registry, patrol: { ...registry.patrol, digests: false } }, URL_BASE);
    off.onSheet(sheet);
    expect(got).toEqual([]);
    off.onOverdue({ key: 'k', kind: 'patrol-overdue', sheet: sheet.id, officer: 'OF-02', officerName: '李明', dueAt: 0, at: 0, text: '【巡查未签收】' });
    expect(got.map((n) => n.id)).toEqual([`${sheet.id}|OF-02|overdue`]);
  });
});
