import type { Registry } from '../../gateway/registry/schema.js';
import type { TicketCategory, TicketSummary } from '../tickets/types.js';
import type { AlertKind, AlertsConfig, Channel, EscalationContact } from './config.js';
import { buildAlert, type Alert } from './format.js';

/**
 * Builds the acknowledgement link of a ticket for an officer (gateway/web/ackToken.ts: `${PUBLIC_URL}/ack/<token>`),
 * or undefined when there is none (PUBLIC_URL not set). `at` is when the alert is built: the link expires from there.
 */
export type AckLink = (ticketId: string, officerId: string, at: number) => string | undefined;

/** changes that ask the officer to act: their alerts carry the acknowledgement link */
const ASKS_TO_ACT: ReadonlySet<string> = new Set<AlertKind>(['opened', 'recurred', 'reopened', 'escalated', 'overdue']);

/**
 * The alert with the officer's acknowledgement link at the end of its text and summary line, when it asks
 * the ticket's own officer to act (not a copy to the chief, not a closed or cleared notice).
 */
export function withAckLink(alert: Alert, ticket: TicketSummary, link: AckLink | undefined): Alert {
  if (!link || !ASKS_TO_ACT.has(alert.kind) || alert.officer?.id !== ticket.officer || ticket.status === 'closed') return alert;
  const url = link(ticket.id, ticket.officer, alert.queuedAt);
  if (!url) return alert;
  return { ...alert, text: `${alert.text} 签收：${url}`, line: `${alert.line} 签收：${url}`, link: url };
}

/** One overdue ticket (overdue.ts): its deadline passed and it is not closed. */
export interface Overdue {
  ticket: TicketSummary;
  /** the deadline that passed, epoch ms (part of the alert's outbox id: one alert per ticket and deadline) */
  deadline: number;
}

/**
 * 【逾期】 alert for the ticket's officer: WeCom @officer and @chief (cc) in one message, SMS to the officer.
 * The change time is the deadline, so its outbox id is the same however often it is built (restarts).
 */
export function buildOverdue(o: Overdue, chief: EscalationContact | undefined, registry: Registry, queuedAt: number): Alert {
  const alert = buildAlert({ type: 'opened', ticket: { ...o.ticket, deadline: o.deadline }, at: o.deadline }, 'overdue', registry, queuedAt);
  const ask = chief ? `，请科室负责人 ${chief.name} 督办` : '，请科室负责人督办';
  const at = alert.text.lastIndexOf(' 工单 ');
  return {
    ...alert,
    text: at > 0 ? `${alert.text.slice(0, at)}${ask}${alert.text.slice(at)}` : `${alert.text}${ask}`,
    ...(chief ? { cc: [{ mobile: chief.mobile, ...(chief.wecomUserId ? { wecomUserId: chief.wecomUserId } : {}) }] } : {}),
  };
}

const DEVICE: ReadonlySet<TicketCategory> = new Set(['instrument', 'no-data', 'flatline']);
const FAULT_WORD: Partial<Record<TicketCategory, string>> = { instrument: '仪器状态异常', 'no-data': '设备无数据', flatline: '数值长时间不变' };

/** A copy of the alert for someone else, on its channels; sent by SMS to `officer.mobile`. */
export interface Copy {
  alert: Alert;
  channels: Channel[];
}

function copyTo(alert: Alert, audience: string, who: { name: string; mobile: string }, sms?: Partial<Alert['sms']>): Alert {
  const { cc: _cc, link: _link, ...rest } = alert;
  return { ...rest, audience, key: `${alert.key}|${audience}`, officer: { id: audience, name: who.name, mobile: who.mobile }, sms: { ...alert.sms, ...sms } };
}

/**
 * Who gets a copy of the alert besides the ticket's officer, by SMS:
 * - an overdue ticket: the section chief (alerts.escalation.contacts.chief), when overdue alerts go by SMS;
 * - an instrument, no-data or flatline ticket at an enterprise's site (alerts.faults.on): the enterprise's
 *   contact (环保负责人) and its maintenance contractor (运维单位), whatever the officers' channels are.
 */
export function copiesOf(kind: AlertKind, ticket: TicketSummary, alert: Alert, config: AlertsConfig, registry: Registry, officerChannels: readonly Channel[]): Copy[] {
  if (kind === 'overdue') {
    const chief = config.escalation.contacts.chief;
    return chief && officerChannels.includes('sms') ? [{ alert: copyTo(alert, 'chief', chief), channels: ['sms'] }] : [];
  }
  const f = config.faults;
  if (!f.enabled || !DEVICE.has(ticket.category) || !(f.on as readonly string[]).includes(kind) || !ticket.enterprise) return [];
  const ent = registry.enterprises.find((e) => e.id === ticket.enterprise);
  if (!ent) return [];
  const value = `${FAULT_WORD[ticket.category]}，请及时检修`;
  const out: Copy[] = [];
  if (ent.contact) out.push({ alert: copyTo(alert, 'contact', ent.contact, { value }), channels: ['sms'] });
  if (ent.maintainer && ent.maintainer.mobile !== ent.contact?.mobile) out.push({ alert: copyTo(alert, 'maintainer', ent.maintainer, { value }), channels: ['sms'] });
  return out;
}
