import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { buildAlert, type Alert } from './format.js';
import { changeOf, codTicket, T } from './testing/fixtures.js';
import { buildMarkdown, buildText, classifyReply, packAlerts, TEXT_MAX_BYTES, truncateUtf8, utf8Bytes } from './wecom.js';

const registry = loadRegistry();
const roundTrips = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s && !s.includes('\uFFFD');

describe('truncateUtf8', () => {
  it('keeps text within the limit untouched', () => {
    expect(truncateUtf8('超标告警 COD', 2048)).toBe('超标告警 COD');
  });

  it('cuts Chinese text to 2048 bytes on a character boundary, with an ellipsis', () => {
    const long = '超'.repeat(1000); // 3000 bytes
    const cut = truncateUtf8(long, TEXT_MAX_BYTES);
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(TEXT_MAX_BYTES);
    // 2048 - 3 (…) = 2045 → 681 whole characters of 3 bytes
    expect(cut).toBe('超'.repeat(681) + '…');
    expect(roundTrips(cut)).toBe(true);
  });

  it('never splits a character whatever the offset (ASCII prefix shifts the boundary)', () => {
    for (const prefix of ['', 'a', 'ab']) {
      const cut = truncateUtf8(prefix + '排口'.repeat(600), 2048);
      expect(utf8Bytes(cut)).toBeLessThanOrEqual(2048);
      expect(utf8Bytes(cut)).toBeGreaterThan(2048 - 6);
      expect(roundTrips(cut)).toBe(true);
    }
  });

  it('keeps surrogate pairs whole', () => {
    const cut = truncateUtf8('😀'.repeat(600), 2048); // 4 bytes each
    expect(cut).toBe('😀'.repeat(511) + '…');
  });
});

describe('WeCom messages (domain.md §3.1)', () => {
  it('builds the documented text message with mentions by mobile', () => {
    const msg = buildText('【超标告警】明弘集团一企一管排口', { mobiles: ['13800001101', '13800001101'] });
    expect(JSON.parse(JSON.stringify(msg))).toEqual({ msgtype: 'text', text: { content: '【超标告警】明弘集团一企一管排口', mentioned_mobile_list: ['13800001101'] } });
  });

  it('leaves mention lists out when nobody is mentioned; markdown carries content only', () => {
    expect(buildText('x')).toEqual({ msgtype: 'text', text: { content: 'x' } });
    expect(buildMarkdown('### 超标告警')).toEqual({ msgtype: 'markdown', markdown: { content: '### 超标告警' } });
  });

  it('a lone alert is its own text, mentioning the officer', () => {
    const a = buildAlert(changeOf('opened'), 'opened', registry, T);
    const { message, count } = packAlerts([a], { msgtype: 'text', mention: () => true });
    expect(count).toBe(1);
    expect(message).toEqual({ msgtype: 'text', text: { content: a.text, mentioned_mobile_list: ['13800001101'] } });
  });

  it('a storm is packed into summaries of at most 2048 bytes that together cover every alert', () => {
    const alerts: Alert[] = Array.from({ length: 60 }, (_, i) => {
      const site = `WP-${String((i % 38) + 1).padStart(2, '0')}`;
      const officer = registry.enterprises.find((e) => e.id === registry.sites.find((s) => s.id === site)!.enterprise)!.officer;
      const t = codTicket({ id: `WO-20261126-${String(i + 1).padStart(4, '0')}`, site, enterprise: registry.sites.find((s) => s.id === site)!.enterprise, officer });
      return buildAlert(changeOf('opened', t), 'opened', registry, T);
    });
    let rest = alerts;
    const covered: string[] = [];
    let messages = 0;
    while (rest.length) {
      const { message, count } = packAlerts(rest, { msgtype: 'text', mention: () => true });
      expect(message.msgtype).toBe('text');
      if (message.msgtype !== 'text') return;
      expect(utf8Bytes(message.text.content)).toBeLessThanOrEqual(TEXT_MAX_BYTES);
      const taken = rest.slice(0, count);
      for (const a of taken) expect(message.text.content).toContain(a.ticketId);
      expect(new Set(message.text.mentioned_mobile_list)).toEqual(new Set(taken.map((a) => a.officer!.mobile)));
      covered.push(...taken.map((a) => a.ticketId));
      rest = rest.slice(count);
      messages++;
    }
    expect(covered).toEqual(alerts.map((a) => a.ticketId));
    expect(messages).toBeGreaterThan(1);
    expect(messages).toBeLessThan(20);
  });

  it('mentions by userid where the registry has one', () => {
    const r = structuredClone(registry);
    r.officers[0]!.wecomUserId = 'wangqing';
    const a = buildAlert(changeOf('opened'), 'opened', r, T);
    const { message } = packAlerts([a], { msgtype: 'text', mention: () => true });
    expect(message).toEqual({ msgtype: 'text', text: { content: a.text, mentioned_list: ['wangqing'] } });
    const md = packAlerts([a], { msgtype: 'markdown', mention: () => true }).message;
    expect(md).toEqual({ msgtype: 'markdown', markdown: { content: `${a.text} <@wangqing>` } });
  });
});

describe('robot replies (§3.1)', () => {
  it('classifies errcodes: 0 ok, 130101 rate limit, 93000 bad key, others refused', () => {
    expect(classifyReply(200, '{"errcode":0,"errmsg":"ok"}')).toEqual({ kind: 'ok' });
    expect(classifyReply(200, '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}').kind).toBe('rate-limited');
    expect(classifyReply(200, '{"errcode":93000,"errmsg":"invalid webhook url"}').kind).toBe('invalid-key');
    expect(classifyReply(200, '{"errcode":40008,"errmsg":"invalid message type"}')).toEqual({ kind: 'rejected', errcode: 40008, errmsg: 'invalid message type' });
  });

  it('HTTP errors and replies that are not the documented JSON are transient', () => {
    expect(classifyReply(502, 'Bad Gateway')).toMatchObject({ kind: 'transient', status: 502 });
    expect(classifyReply(200, '<html>')).toMatchObject({ kind: 'transient' });
    expect(classifyReply(200, '{"ok":true}')).toMatchObject({ kind: 'transient' });
  });
});

describe('packAlerts: an overdue alert copies the section chief', () => {
  it('@-mentions the officer and the chief (cc) in one text message, by mobile or by userid in markdown', () => {
    const base = buildAlert(changeOf('opened', codTicket({ deadline: T })), 'overdue', registry, T);
    const a: Alert = { ...base, cc: [{ mobile: '13900000001' }] };
    const text = packAlerts([a], { msgtype: 'text', mention: () => true }).message;
    expect(text).toMatchObject({ msgtype: 'text', text: { mentioned_mobile_list: ['13800001101', '13900000001'] } });
    const md = packAlerts([{ ...a, cc: [{ mobile: '13900000001', wecomUserId: 'wang.kezhang' }] }], { msgtype: 'markdown', mention: () => true }).message;
    expect(JSON.stringify(md)).toContain('<@wang.kezhang>');
  });
});
