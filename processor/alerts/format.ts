import type { Officer, Registry } from '../../gateway/registry/schema.js';
import { RULE_LEVEL_ZH } from '../rules/schema.js';
import { overRangeText } from '../rules/overRange.js';
import type { TicketChange } from '../tickets/service.js';
import type { TicketCategory, TicketSummary } from '../tickets/types.js';
import type { AlertKind } from './config.js';
import type { NoticeKind } from './noticeKind.js';
import type { WecomMessage } from './wecomTypes.js';

/** One alert: one ticket change on its way to one channel. */
export interface Alert {
  /** `${ticketId}|${kind}`: the de-duplication key */
  key: string;
  /** the ticket; for a notice (notice.ts) what it is about, e.g. the patrol sheet */
  ticketId: string;
  kind: AlertKind | NoticeKind;
  /** the ticket's category; 'notice' for a notice */
  category: TicketCategory | 'notice';
  /** new or recurring pollution problems; instrument and data problems and follow-ups are low */
  high: boolean;
  /** the message for this alert alone (Chinese, names from the registry) */
  text: string;
  /** a shorter line for a summary of several alerts */
  line: string;
  officer?: Officer;
  /** values for the SMS template */
  sms: { site: string; pollutant: string; value: string; ticket: string };
  /** ticket service time of the change, epoch ms */
  changeAt: number;
  /** when the dispatcher took it, epoch ms */
  queuedAt: number;
  /** the stable id in the alert outbox (outbox.ts alertId, or the notice's own id), when there is one */
  id?: string;
  /** a notice's prepared WeCom message: sent as it is, alone, never packed with others */
  message?: WecomMessage;
  /** a copy of the alert for someone besides the ticket's officer ('chief', 'contact', 'maintainer'): part of its outbox id */
  audience?: string;
  /** also @-mentioned in WeCom with the officer (the section chief of an overdue ticket) */
  cc?: { mobile: string; wecomUserId?: string }[];
  /** the officer's acknowledgement link (`${PUBLIC_URL}/ack/<token>`), also at the end of text and line */
  link?: string;
}

const CATEGORY_WORD: Record<TicketCategory, string> = {
  exceedance: '超标',
  odor: '异味',
  'illicit-discharge': '疑似偷排',
  instrument: '仪器异常',
  'no-data': '数据中断',
  flatline: '数据恒值',
  hazard: '隐患',
};
const STATUS_WORD: Record<string, string> = { open: '未签收', acknowledged: '已签收', rectifying: '整改中', awaiting_verification: '待验证', closed: '已闭环' };
const KIND_WORD: Partial<Record<AlertKind, string>> = { opened: '告警', recurred: '复发', cleared: '恢复' };
/** a raised priority in front of the message (repeated odor source attribution, processor/attribution) */
const PRIORITY_WORD: Record<string, string> = { high: '【优先级 高】', urgent: '【优先级 紧急】' };
/** categories where the level (预警 / 管控 / 超标) is part of what happened, named in every alert */
const POLLUTION: ReadonlySet<TicketCategory> = new Set(['exceedance', 'odor', 'illicit-discharge']);

/**
 * What the alert calls the ticket: for a discharge limit the level itself (超标, 管控, 预警), else the
 * level and the category (预警·异味, 超标·异味, 管控·疑似偷排). Device problems (仪器异常, 数据中断,
 * 数据恒值) keep their category word: their level is 预警 by default and stored on the ticket.
 */
export function ticketWord(t: Pick<TicketSummary, 'category' | 'level'>): string {
  const level = RULE_LEVEL_ZH[t.level];
  if (!POLLUTION.has(t.category) || !level) return CATEGORY_WORD[t.category];
  return t.category === 'exceedance' ? level : `${level}·${CATEGORY_WORD[t.category]}`;
}
const HIGH: ReadonlySet<TicketCategory> = new Set(['exceedance', 'odor', 'illicit-discharge']);

/** The alert kind of a ticket change, or undefined for changes that never alert (updates, evidence, other moves). */
export function alertKindOf(c: TicketChange): AlertKind | undefined {
  switch (c.type) {
    case 'opened':
    case 'recurred':
    case 'cleared':
      return c.type;
    case 'transitioned':
      if (c.history?.to === 'closed') return 'closed';
      if (c.history?.to === 'open' && c.history.from !== 'open') return 'reopened';
      return undefined;
    case 'evidence':
      return c.evidence?.kind === 'valve' && (c.evidence.data as { kind?: string } | null)?.kind === 'escalate' ? 'escalated' : undefined;
    default:
      return undefined;
  }
}

/** A value for people: at most 4 significant digits below 1000, whole numbers above. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(4)));
}

/** "COD" and "pH" as written; other factors by their Chinese name (氨氮, 非甲烷总烃). */
function pollutantLabel(registry: Registry, code: string): { label: string; unit: string } {
  if (code === '*') return { label: '', unit: '' };
  const p = registry.pollutants[code];
  if (!p) return { label: code, unit: '' };
  return { label: /^[A-Za-z0-9-]{1,6}$/.test(p.name) ? p.name : p.nameZh, unit: p.unit };
}

/** Site name, with the enterprise in front when the site's own name does not carry it. */
function placeOf(registry: Registry, t: TicketSummary): string {
  const site = registry.sites.find((s) => s.id === t.site);
  const name = site?.name ?? t.site;
  const ent = t.enterprise ? registry.enterprises.find((e) => e.id === t.enterprise) : undefined;
  return ent && !name.includes(ent.name) ? `${ent.name}${name}` : name;
}

function hhmm(ts: number, timeZone: string): string {
  return new Intl.DateTimeFormat('zh-CN', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ts);
}

/** "11月27日 10:15", park-local */
function dayTime(ts: number, timeZone: string): string {
  return new Intl.DateTimeFormat('zh-CN', { timeZone, month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ts);
}

const withUnit = (v: string, unit: string) => (unit ? `${v} ${unit}` : v);

/** "650 mg/L > 500 mg/L": the value against the side of the limit it is beyond; an over-range lower bound reads "≥ 1000 mg/L (超量程) > 500 mg/L". */
function measure(value: number | undefined, t: TicketSummary, unit: string, lowerBound = false): string {
  const lim = t.limit;
  const shown = value === undefined ? '' : lowerBound ? overRangeText(formatValue(value), unit) : withUnit(formatValue(value), unit);
  if (!lim) return shown;
  const { min, max } = lim;
  if (value !== undefined && min !== undefined && value < min) return `${shown} < ${withUnit(formatValue(min), unit)}`;
  if (value !== undefined && max !== undefined) return `${shown} > ${withUnit(formatValue(max), unit)}`;
  const range = min !== undefined && max !== undefined ? `${formatValue(min)}-${formatValue(max)}` : max !== undefined ? `≤ ${formatValue(max)}` : `≥ ${formatValue(min!)}`;
  return `${shown ? shown + ' ' : ''}限值 ${withUnit(range, unit)}`;
}

/** What the ticket is about, per category: the measured value against its limit, or the device problem. */
function subject(category: TicketCategory, label: string, m: string): string {
  switch (category) {
    case 'instrument':
      return `${label} 仪器状态异常`.trim();
    case 'no-data':
      return `${label} 设备无数据`.trim();
    case 'flatline':
      return `${label} 数值长时间不变`.trim();
    default:
      return [label, m].filter(Boolean).join(' ');
  }
}

/** " 疑似来源 绿源生物科技": the top candidate of an odor ticket's source attribution, if any */
function suspect(c: TicketChange): string {
  if (c.evidence?.kind !== 'attribution') return '';
  const top = (c.evidence.data as { top?: { name?: string } } | null)?.top?.name;
  return top ? ` 疑似来源 ${top}` : '';
}

/** Builds the alert for a ticket change. Officer, site and pollutant names come from the registry. */
export function buildAlert(c: TicketChange, kind: AlertKind, registry: Registry, queuedAt: number): Alert {
  const t = c.ticket;
  const tz = registry.park.timezone;
  const officer = registry.officers.find((o) => o.id === t.officer);
  const { label, unit } = pollutantLabel(registry, t.pollutant);
  const place = placeOf(registry, t);
  const value = c.event?.value ?? t.peak;
  const lowerBound = c.event?.value !== undefined && c.event.context?.lowerBound === true;
  const m = measure(value, t, unit, lowerBound);
  const what = subject(t.category, label, m);
  const word = ticketWord(t);
  const officerName = officer?.name ?? (t.officer === 'unassigned' ? '未指派' : t.officer);
  const who = `负责人 ${officerName}`;
  const at = hhmm(c.event?.ts ?? c.at, tz);
  const std = t.limit?.standard && (kind === 'opened' || kind === 'recurred') ? ` (${t.limit.standard})` : '';
  let head: string;
  let body: string;
  let short: string;
  switch (kind) {
    case 'opened':
    case 'recurred': {
      // a warning is a notice, not an alarm: 【预警】, 【预警·异味】
      head = `【${word}${kind === 'opened' && t.level === 'warning' && POLLUTION.has(t.category) ? '' : KIND_WORD[kind]}】`;
      const nth = kind === 'recurred' ? ` 第${t.count}次` : '';
      body = `${place} ${what}${std}${nth}${suspect(c)} ${at}`;
      short = `${place} ${what}${nth}`;
      break;
    }
    case 'cleared':
      head = `【${word}${KIND_WORD.cleared}】`;
      body = `${place} ${label ? label + ' ' : ''}已恢复正常，验证期 ${formatValue(t.verificationMs / 3_600_000)} 小时 ${at}`;
      short = `${place} ${label ? label + ' ' : ''}已恢复正常`;
      break;
    case 'escalated': {
      // the interlock did not (or no longer) shut the valve: a person must act at the pipe
      const why = (c.evidence?.data as { error?: string } | undefined)?.error ?? '';
      head = '【阀门告警】';
      body = `${place} ${label ? label + ' ' : ''}${word} 阀门未自动关闭，请现场处置${why ? ` (${why})` : ''} ${at}`;
      short = `${place} 阀门未自动关闭，请现场处置`;
      break;
    }
    case 'overdue': {
      // 整改期限 passed and the ticket is not closed (processor/alerts/overdue.ts; change time = the deadline)
      head = '【逾期】';
      const due = t.deadline ?? c.at;
      body = `${place} ${label ? label + ' ' : ''}${word} 工单已超过整改期限 ${dayTime(due, tz)} 未闭环，当前${STATUS_WORD[t.status] ?? t.status}，请尽快整改`;
      short = `${place} ${label ? label + ' ' : ''}${word} 逾期未闭环`;
      break;
    }
    case 'closed':
    case 'reopened': {
      head = kind === 'closed' ? '【工单闭环】' : '【工单重开】';
      const by = c.history?.actor ? ` (${c.history.actor}${c.history.note ? `: ${c.history.note}` : ''})` : '';
      body = `${place} ${label ? label : ''}${word} ${kind === 'closed' ? '已闭环' : '已重新打开'}${by} ${at}`;
      short = `${place} ${label ? label : ''}${word} ${kind === 'closed' ? '已闭环' : '已重新打开'}`;
      break;
    }
  }
  return {
    key: `${t.id}|${kind}`,
    ticketId: t.id,
    kind,
    category: t.category,
    high: HIGH.has(t.category) && (t.level !== 'warning' || kind === 'escalated') && (kind === 'opened' || kind === 'recurred' || kind === 'reopened' || kind === 'escalated' || kind === 'overdue'),
    text: `${head}${PRIORITY_WORD[t.priority ?? 'normal'] ?? ''}${body} 工单 ${t.id} ${who}`,
    line: `${head}${PRIORITY_WORD[t.priority ?? 'normal'] ?? ''}${short} ${t.id} ${officerName}`,
    ...(officer ? { officer } : {}),
    sms: { site: place, pollutant: POLLUTION.has(t.category) ? `${label}${word}` : label || word, value: kind === 'escalated' ? '阀门需人工处置' : kind === 'overdue' ? '逾期未闭环' : value === undefined ? word : lowerBound ? overRangeText(formatValue(value), unit) : withUnit(formatValue(value), unit), ticket: t.id },
    changeAt: c.at,
    queuedAt,
  };
}
