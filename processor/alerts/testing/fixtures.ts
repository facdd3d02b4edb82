import { AlertsConfigSchema, type AlertsConfig } from '../config.js';
import type { RuleEvent } from '../../rules/schema.js';
import type { TicketChange } from '../../tickets/service.js';
import type { TicketSummary } from '../../tickets/types.js';

/** 2026-11-26 10:15 Asia/Shanghai */
export const T = Date.parse('2026-11-26T10:15:00+08:00');
export const HOUR = 3_600_000;
export const COD_STANDARD = 'GB/T 31962-2015 表1 B级 COD 500 mg/L';

/** An open COD ticket at WP-01 (明弘集团一企一管排口 → E-01 明弘集团 → OF-01 王青 13800001101 in park.yaml). */
export function codTicket(over: Partial<TicketSummary> = {}): TicketSummary {
  return {
    id: 'WO-20261126-0001',
    site: 'WP-01',
    enterprise: 'E-01',
    officer: 'OF-01',
    pollutant: 'w01018',
    rule: 'wp-cod',
    category: 'exceedance',
    level: 'exceedance',
    status: 'open',
    openedAt: T,
    updatedAt: T,
    firstSeen: T - 10 * 60_000,
    lastSeen: T,
    count: 1,
    samples: 1,
    peak: 650,
    mean: 650,
    limit: { max: 500, standard: COD_STANDARD },
    verificationMs: 24 * HOUR,
    version: 1,
    ...over,
  };
}

/** The rule event behind a ticket change. */
export function eventFor(t: TicketSummary, type: RuleEvent['type'], value?: number, ts = T): RuleEvent {
  return {
    type,
    rule: t.rule,
    ruleType: t.category === 'exceedance' ? 'exceedance' : 'no-data',
    category: t.category as RuleEvent['category'],
    site: t.site,
    pollutant: t.pollutant,
    ts,
    ...(value !== undefined ? { value } : {}),
    ...(t.limit ? { limit: t.limit } : {}),
  };
}

/** A ticket change as the ticket service emits it. */
export function changeOf(type: TicketChange['type'], t: TicketSummary = codTicket(), extra: Partial<TicketChange> = {}): TicketChange {
  const evType = type === 'cleared' ? 'clear' : 'open';
  const withEvent = type === 'opened' || type === 'recurred' || type === 'cleared';
  return { type, ticket: t, at: T, ...(withEvent ? { event: eventFor(t, evType, type === 'cleared' ? undefined : t.peak) } : {}), ...extra };
}

export const ROBOT_KEY = 'park-robot-test-key';
export const ALIYUN_KEYS = { accessKeyId: 'LTAI5tParkAlerts01', accessKeySecret: 'parkSecret-Test' };
export const SIGN_NAME = '某园区环保';
export const TEMPLATE_CODE = 'SMS_465700001';
export const TEMPLATE_VARS = ['site', 'pollutant', 'value', 'ticket'];

/** Alerts config pointing at local stand-ins; `over.wecom` and `over.sms` are merged into their sections. */
export function standInConfig(urls: { wecom: string; sms: string }, over: { wecom?: object; sms?: object } & Record<string, unknown> = {}): AlertsConfig {
  const { wecom, sms, ...rest } = over;
  return AlertsConfigSchema.parse({
    wecom: { baseUrl: urls.wecom, ...wecom },
    sms: { provider: 'aliyun', endpoint: urls.sms, signName: SIGN_NAME, templateCode: TEMPLATE_CODE, ...sms },
    ...rest,
  });
}
