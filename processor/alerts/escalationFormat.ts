import type { Registry } from '../../gateway/registry/schema.js';
import type { TicketSummary } from '../tickets/types.js';
import type { EscalationConfig } from './config.js';
import { buildAlert, ticketWord, type Alert } from './format.js';

/** One escalation step of one unacknowledged ticket (processor/alerts/escalation.ts). */
export interface Escalation {
  ticket: TicketSummary;
  /** 0: officer reminder, 1: section chief, 2: zone leadership */
  step: number;
  /** when the ticket was opened (or reopened): the escalation clock starts there, epoch ms */
  since: number;
  /** since + the step's afterMs: when it was due, epoch ms (part of the alert's outbox id) */
  dueAt: number;
}

/** who each step goes to, named in the message when the registry has no contact for the role */
const ROLE = ['负责人', '科室负责人', '园区领导'] as const;
const CONTACT = [undefined, 'chief', 'leadership'] as const;

/**
 * The alert of one escalation step, kind 'escalated'. The de-duplication key and the outbox id carry the
 * step and its due time: one alert per ticket and step, also after a restart. The step's contact (chief,
 * leadership) is @-mentioned and sent the SMS; without one the ticket's officer is, and the text names the role.
 */
export function buildEscalation(e: Escalation, config: EscalationConfig, registry: Registry, queuedAt: number): Alert {
  const t = e.ticket;
  const base = buildAlert({ type: 'opened', ticket: t, at: e.dueAt }, 'opened', registry, queuedAt);
  const role = ROLE[Math.min(e.step, ROLE.length - 1)]!;
  const which = CONTACT[Math.min(e.step, CONTACT.length - 1)];
  const contact = which ? config.contacts[which] : undefined;
  const minutes = Math.round((e.dueAt - e.since) / 60_000);
  const officerName = base.officer?.name ?? t.officer;
  const head = e.step === 0 ? '【工单未签收提醒】' : `【工单升级·${role}】`;
  const ask = e.step === 0 ? `请负责人 ${officerName} 尽快签收` : `请${role}${contact ? ` ${contact.name}` : ''}督办`;
  const place = base.sms.site;
  return {
    ...base,
    key: `${t.id}|escalated|${e.step}`,
    kind: 'escalated',
    high: t.level !== 'warning',
    text: `${head}${place} ${ticketWord(t)} 工单 ${t.id} 已${minutes}分钟未签收，${ask} 负责人 ${officerName}`,
    line: `${head}${place} ${t.id} ${minutes}分钟未签收 ${contact?.name ?? role}`,
    ...(contact ? { officer: { id: which!, name: contact.name, mobile: contact.mobile, ...(contact.wecomUserId ? { wecomUserId: contact.wecomUserId } : {}) } } : {}),
    sms: { ...base.sms, value: `${minutes}分钟未签收` },
    changeAt: e.dueAt,
  };
}
