import type { Registry } from '../../gateway/registry/schema.js';
import type { Notice } from '../alerts/notice.js';
import { buildMarkdown, buildText, MARKDOWN_MAX_BYTES, utf8Bytes, type WecomText } from '../alerts/wecom.js';
import { localStamp } from './periods.js';
import type { OfficerPart, PatrolOverdue, PatrolSheet, SiteSheet } from './types.js';

/** the sheet's web page: `${PUBLIC_URL}/patrol/<sheetId>`; undefined without PUBLIC_URL */
export const sheetLink = (publicUrl: string | undefined, id: string): string | undefined => (publicUrl ? `${publicUrl.replace(/\/+$/, '')}/patrol/${encodeURIComponent(id)}` : undefined);

const pct = (v: number) => `${Math.round(v * 10) / 10}%`;
const warn = (s: string) => `<font color="warning">${s}</font>`;

/** one site as a line of a digest: figures, then what needs looking at */
export function siteLine(s: SiteSheet): string {
  const names = new Map(s.factors.map((f) => [f.pollutant, f.nameZh]));
  const over = s.factors.filter((f) => f.exceedances > 0).map((f) => `${f.nameZh} ${f.exceedances} 次`);
  const parts = [`完整率 ${pct(s.completeness)}`, `在线率 ${pct(s.online)}`];
  if (over.length) parts.push(warn(`超标 ${over.join('、')}`));
  if (s.warnings) parts.push(`预警 ${s.warnings} 次`);
  if (s.offlineDevices.length) parts.push(warn(`离线 ${s.offlineDevices.join('、')}`));
  if (s.flatlinedFactors.length) parts.push(`恒值 ${s.flatlinedFactors.map((p) => names.get(p) ?? p).join('、')}`);
  if (s.ticketsOpen.length) parts.push(`未关闭工单 ${s.ticketsOpen.length} 张（${s.ticketsOpen.join('、')}）`);
  if (s.valve) parts.push(`阀门 ${s.valve.value ? '开' : '关'}`);
  if (s.snapshot && 'failed' in s.snapshot) parts.push(`抓拍失败（${s.snapshot.failed}）`);
  return `- ${s.site} ${s.name}：${parts.join('，')}`;
}

/** a site in the group summary: only what needs looking at (exceedances, offline devices) */
function shortLine(s: SiteSheet): string {
  const over = s.factors.filter((f) => f.exceedances > 0).map((f) => `${f.nameZh} ${f.exceedances} 次`);
  return `- ${s.site} ${s.name}：${[over.length ? warn(`超标 ${over.join('、')}`) : '', s.offlineDevices.length ? `离线 ${s.offlineDevices.length} 台` : ''].filter(Boolean).join('，')}`;
}

/**
 * A markdown message of at most 4096 bytes (domain.md §3.1): head, then as many body lines as fit, then
 * the link; lines that do not fit are counted in a last line pointing at the sheet (详见).
 */
export function fitMarkdown(head: readonly string[], body: readonly string[], sheetId: string, link: string | undefined): string {
  const more = link ? `[详见巡查表 ${sheetId}](${link})` : `详见网页巡查表 ${sheetId}`;
  const all = [...head, ...body, more].join('\n');
  if (utf8Bytes(all) <= MARKDOWN_MAX_BYTES) return all;
  const kept: string[] = [];
  const tail = (left: number) => `> …… 另有 ${left} 行未列出，${more}`;
  for (const line of body) {
    if (utf8Bytes([...head, ...kept, line, tail(body.length - kept.length - 1)].join('\n')) > MARKDOWN_MAX_BYTES) break;
    kept.push(line);
  }
  return [...head, ...kept, tail(body.length - kept.length)].join('\n');
}

const periodText = (sheet: PatrolSheet) => {
  const from = localStamp(sheet.period.start, sheet.timezone);
  const to = localStamp(sheet.period.end, sheet.timezone);
  return `${from.date} ${from.time} 至 ${to.date === from.date ? '' : `${to.date} `}${to.time}`;
};

/** the officer's digest: their enterprises first (each with its sites), then their own sites; <@userid> when the registry has one */
export function officerDigest(sheet: PatrolSheet, part: OfficerPart, registry: Registry, publicUrl?: string): string {
  const bySite = new Map(sheet.sites.map((s) => [s.site, s]));
  const officer = registry.officers.find((o) => o.id === part.officer);
  const due = localStamp(sheet.dueAt, sheet.timezone);
  const mine = [...part.enterprises.flatMap((e) => e.sites), ...part.sites].flatMap((id) => bySite.get(id) ?? []);
  const tally = (f: (s: SiteSheet) => number) => mine.reduce((n, s) => n + f(s), 0);
  const head = [
    `### 巡查表 ${sheet.id} ${part.name}${officer?.wecomUserId ? ` <@${officer.wecomUserId}>` : ''}`,
    `>时段：${periodText(sheet)}`,
    `>点位 ${mine.length} 个：超标 ${tally((s) => s.exceedances)} 次，预警 ${tally((s) => s.warnings)} 次，离线设备 ${tally((s) => s.offlineDevices.length)} 台，恒值 ${tally((s) => s.flatlinedFactors.length)} 项，未关闭工单 ${tally((s) => s.ticketsOpen.length)} 张`,
    `>请于 ${due.date} ${due.time} 前签收`,
  ];
  const body: string[] = [];
  for (const e of part.enterprises) {
    body.push(`**${e.name}**`);
    for (const id of e.sites) if (bySite.has(id)) body.push(siteLine(bySite.get(id)!));
  }
  if (part.sites.length) {
    body.push(part.enterprises.length ? '**其他点位**' : '**点位**');
    for (const id of part.sites) if (bySite.has(id)) body.push(siteLine(bySite.get(id)!));
  }
  return fitMarkdown(head, body, sheet.id, sheetLink(publicUrl, sheet.id));
}

/** the park group's summary: totals, one line per officer, then the sites with exceedances or offline devices */
export function groupDigest(sheet: PatrolSheet, registry: Registry, publicUrl?: string): string {
  const sum = (sites: readonly SiteSheet[], f: (s: SiteSheet) => number) => sites.reduce((n, s) => n + f(s), 0);
  const mean = (f: (s: SiteSheet) => number) => (sheet.sites.length ? sum(sheet.sites, f) / sheet.sites.length : 0);
  const head = [
    `### ${registry.park.nameZh ?? registry.park.name} 巡查汇总 ${sheet.id}`,
    `>时段：${periodText(sheet)}`,
    `>点位 ${sheet.sites.length} 个，平均完整率 ${pct(mean((s) => s.completeness))}，平均在线率 ${pct(mean((s) => s.online))}`,
    `>超标 ${sum(sheet.sites, (s) => s.exceedances)} 次，预警 ${sum(sheet.sites, (s) => s.warnings)} 次，离线设备 ${sum(sheet.sites, (s) => s.offlineDevices.length)} 台，恒值 ${sum(sheet.sites, (s) => s.flatlinedFactors.length)} 项，未关闭工单 ${new Set(sheet.sites.flatMap((s) => s.ticketsOpen)).size} 张`,
  ];
  const body = ['**各包联干部**'];
  for (const p of sheet.officers) {
    const sites = sheet.sites.filter((s) => s.officer === p.officer);
    body.push(`- ${p.name}：点位 ${sites.length}，超标 ${sum(sites, (s) => s.exceedances)}，预警 ${sum(sites, (s) => s.warnings)}，离线 ${sum(sites, (s) => s.offlineDevices.length)}，未关闭工单 ${sum(sites, (s) => s.ticketsOpen.length)}`);
  }
  const notable = sheet.sites.filter((s) => s.exceedances > 0 || s.offlineDevices.length > 0);
  if (notable.length) body.push('**需关注点位**', ...notable.map(shortLine));
  return fitMarkdown(head, body, sheet.id, sheetLink(publicUrl, sheet.id));
}

/** the digests of a sheet as notices for the alerts' outbox: one per officer with a part (`<sheet>|<officer>|digest`), one for the group (`<sheet>|group|digest`) */
export function digestNotices(sheet: PatrolSheet, registry: Registry, publicUrl?: string): Notice[] {
  const officers: Notice[] = sheet.officers.map((p) => ({
    id: `${sheet.id}|${p.officer}|digest`,
    kind: 'patrol-digest',
    ref: sheet.id,
    message: buildMarkdown(officerDigest(sheet, p, registry, publicUrl)),
    line: `巡查表 ${sheet.id} ${p.name}`,
  }));
  return [...officers, { id: `${sheet.id}|group|digest`, kind: 'patrol-digest', ref: sheet.id, message: buildMarkdown(groupDigest(sheet, registry, publicUrl)), line: `巡查汇总 ${sheet.id}` }];
}

/** The chief's WeCom text (domain.md §3.1) for a missed sign-off: the event's text, @-mentioning the chief by userid or mobile. */
export function overdueMessage(e: PatrolOverdue): WecomText {
  return buildText(e.text, { ...(e.chief?.wecomUserId ? { userIds: [e.chief.wecomUserId] } : {}), ...(e.chief?.mobile ? { mobiles: [e.chief.mobile] } : {}) });
}

/** the missed sign-off to the section chief as a notice (`<sheet>|<officer>|overdue`): the text @-mentioning the chief, with the link */
export function overdueNotice(e: PatrolOverdue, publicUrl?: string): Notice {
  const link = sheetLink(publicUrl, e.sheet);
  return { id: `${e.sheet}|${e.officer}|overdue`, kind: 'patrol-overdue', ref: e.sheet, message: overdueMessage(link ? { ...e, text: `${e.text}\n详见 ${link}` } : e), line: e.text, high: true };
}
