import { z } from 'zod';

// Alerts to the officers (registry `alerts`): channels, WeCom group robot, SMS, retry and pacing; used by
// processor/alerts. Secrets never live here: they come from the environment (processor/alerts/config.ts).

/** Where an alert can go. */
export const ChannelSchema = z.enum(['wecom', 'sms']);
export type Channel = z.infer<typeof ChannelSchema>;

/**
 * What happened to a ticket, as far as alerts are concerned. opened/recurred/cleared come from the
 * rule engine; closed and reopened are a person's lifecycle moves (to closed; back to open); escalated:
 * the valve interlock did not act and a person must (device offline, untrustworthy reading, a valve
 * reopened again and again mid-exceedance); overdue: a ticket passed its rectification deadline unclosed.
 */
export const AlertKindSchema = z.enum(['opened', 'recurred', 'cleared', 'closed', 'reopened', 'escalated', 'overdue']);
export type AlertKind = z.infer<typeof AlertKindSchema>;

const channels = (...c: Channel[]) => z.array(ChannelSchema).default(c);
const positiveMs = (fallback: number) => z.number().int().positive().default(fallback);

/** Exponential backoff for transient failures (HTTP errors, network errors, provider system errors). */
export const RetrySchema = z.object({
  initialMs: positiveMs(1000),
  maxMs: positiveMs(60_000),
  /** attempts in all, the first included; after the last the alert counts as failed */
  attempts: z.number().int().min(1).max(20).default(6),
});
export type RetryPolicy = z.infer<typeof RetrySchema>;

/** WeCom (企业微信) group robot, domain.md §3.1. The robot key comes from the environment (WECOM_KEY). */
export const WecomConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** the webhook without ?key=…; tests point it at the stand-in */
  baseUrl: z.url().default('https://qyapi.weixin.qq.com/cgi-bin/webhook/send'),
  /** §3.1: 20 messages per minute per robot (the documented limit); never more than max in any windowMs */
  rateLimit: z.object({ max: z.number().int().positive().default(20), windowMs: positiveMs(60_000) }).prefault({}),
  /**
   * Least time between two messages of the robot (default windowMs / max = 3 s, the `weworkbot` pace).
   * A lone alert goes out at once; alerts that arrive while the robot waits are sent as one message.
   */
  minIntervalMs: z.number().int().nonnegative().optional(),
  /** §3.1: after errcode 130101 the robot pauses this long before retrying (`wecom-notifier` waits 65 s) */
  rateLimitBackoffMs: positiveMs(65_000),
  retry: RetrySchema.prefault({}),
  /** alerts waiting for the robot at most; beyond it the oldest low-priority alert is dropped first */
  maxQueued: z.number().int().positive().default(500),
  requestTimeoutMs: positiveMs(10_000),
  /** text mentions by mobile (§3.1 mentioned_mobile_list); markdown mentions only officers with a wecomUserId */
  msgtype: z.enum(['text', 'markdown']).default('text'),
  /** changes whose message @-mentions the responsible officer */
  mentionOn: z.array(AlertKindSchema).default(['opened', 'recurred', 'reopened', 'escalated', 'overdue']),
});
export type WecomConfig = z.infer<typeof WecomConfigSchema>;

/** Template variable names of the approved SMS template, for each value the alert fills in. */
export const SmsParamNamesSchema = z.object({
  site: z.string().min(1).default('site'),
  pollutant: z.string().min(1).default('pollutant'),
  value: z.string().min(1).default('value'),
  ticket: z.string().min(1).default('ticket'),
});

const smsCommon = {
  signName: z.string().min(1),
  templateCode: z.string().min(1),
  params: SmsParamNamesSchema.prefault({}),
  /** longest value of one template variable, in characters; longer values are cut with "…" */
  maxParamChars: z.number().int().positive().default(35),
  /** §3.2 default flow control: 50 notification SMS a day per number, template and signature */
  dailyCapPerNumber: z.number().int().positive().default(50),
  /** least time between two SMS to one number; alerts in between are sent as one SMS */
  minIntervalMs: z.number().int().nonnegative().default(60_000),
  retry: RetrySchema.prefault({}),
  /** SMS waiting at most (all numbers); beyond it the oldest low-priority alert is dropped first */
  maxQueued: z.number().int().positive().default(500),
  requestTimeoutMs: positiveMs(10_000),
};

/** Aliyun dysmsapi SendSms, RPC style, signature v1 (domain.md §3.2). AccessKey from ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET. */
export const AliyunSmsConfigSchema = z.object({
  provider: z.literal('aliyun'),
  endpoint: z.url().default('https://dysmsapi.aliyuncs.com/'),
  regionId: z.string().default('cn-hangzhou'),
  ...smsCommon,
});

/** SMS provider; one schema per provider, chosen by `provider`. */
export const SmsConfigSchema = z.discriminatedUnion('provider', [AliyunSmsConfigSchema]);
export type SmsConfig = z.infer<typeof SmsConfigSchema>;

const MINUTE = 60_000;
/** the steps of one level: at afterMs[i] after opening, step i (0 the officer, 1 the section chief, 2 zone leadership) */
const stepsOf = (fallback: number[]) =>
  z
    .object({
      afterMs: z
        .array(z.number().int().positive().max(7 * 24 * 60 * MINUTE, 'at most 7 days (one timer each)'))
        .max(3, 'at most 3 steps: officer reminder, section chief, zone leadership')
        .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]!), 'afterMs must increase: each step comes after the one before')
        .default(fallback),
    })
    .prefault({});

/** Someone an escalation goes to besides the ticket's officer: @-mentioned in WeCom, sent the SMS. */
export const EscalationContactSchema = z.object({
  name: z.string().min(1),
  mobile: z.string().regex(/^1\d{10}$/, 'an 11-digit mainland mobile number'),
  wecomUserId: z.string().optional(),
});
export type EscalationContact = z.infer<typeof EscalationContactSchema>;

/**
 * A ticket still `open` (not acknowledged) at each afterMs after it was opened (or reopened) escalates:
 * step 0 reminds the officer, step 1 goes to the section chief, step 2 to zone leadership. A level with
 * fewer steps stops earlier (a warning: the reminder only). Contacts absent: the message names the role.
 */
export const EscalationSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /**
   * after a restart, steps that fell due while the program was down are sent at once, but only those due
   * within this time: a ticket left open for weeks does not escalate again on every start
   */
  catchUpMs: z.number().int().nonnegative().default(24 * 60 * MINUTE),
  warning: stepsOf([30 * MINUTE]),
  control: stepsOf([30 * MINUTE, 60 * MINUTE]),
  exceedance: stepsOf([15 * MINUTE, 30 * MINUTE, 60 * MINUTE]),
  contacts: z.strictObject({ chief: EscalationContactSchema.optional(), leadership: EscalationContactSchema.optional() }).prefault({}),
});
export type EscalationConfig = z.infer<typeof EscalationSchema>;

const HOUR = 60 * MINUTE;
/** at most a year: a deadline is a working period, not a date far away */
const deadlineMs = (fallback: number) => z.number().int().positive().max(365 * 24 * HOUR, 'at most 365 days').default(fallback);

/**
 * 整改期限: how long after opening a ticket of each level must be closed (epoch-ms durations). A 超标
 * exceedance is the most urgent (24 h), a 管控 control finding 48 h, a 预警 warning 72 h. Stored on each
 * ticket when it opens; a manual ticket's own deadline wins.
 */
export const DeadlinesSchema = z.strictObject({
  warning: deadlineMs(72 * HOUR),
  control: deadlineMs(48 * HOUR),
  exceedance: deadlineMs(24 * HOUR),
});
export type Deadlines = z.infer<typeof DeadlinesSchema>;

/**
 * A ticket not closed by its deadline makes one 'overdue' alert (【逾期】) to the officer and the section chief
 * (escalation.contacts.chief). After a restart deadlines passed within catchUpMs are alerted at once (the
 * outbox id, ticket and deadline, keeps it to one).
 */
export const OverdueSchema = z.strictObject({
  enabled: z.boolean().default(true),
  catchUpMs: z.number().int().nonnegative().default(7 * 24 * HOUR),
});
export type OverdueConfig = z.infer<typeof OverdueSchema>;

/**
 * Instrument, no-data and flatline tickets at an enterprise's site also go by SMS to the enterprise's
 * contact and its maintenance contractor (registry enterprises[].contact / .maintainer), on these changes.
 * They are outside the park's WeCom group: SMS only, whatever categories/levels say for the officers.
 */
export const FaultContactsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  on: z.array(z.enum(['opened', 'recurred', 'reopened'])).default(['opened', 'recurred']),
});
export type FaultContactsConfig = z.infer<typeof FaultContactsSchema>;

/** Which changes alert which channels: routes[kind] ∩ categories[ticket category] ∩ levels[ticket level]. */
export const AlertsConfigSchema = z.object({
  enabled: z.boolean().default(true),
  wecom: WecomConfigSchema.prefault({}),
  /** absent: no SMS */
  sms: SmsConfigSchema.optional(),
  routes: z
    .strictObject({
      opened: channels('wecom', 'sms'),
      recurred: channels('wecom', 'sms'),
      cleared: channels('wecom'),
      closed: channels('wecom'),
      reopened: channels('wecom'),
      escalated: channels('wecom', 'sms'),
      overdue: channels('wecom', 'sms'),
    })
    .prefault({}),
  /** channels per ticket category; a category not listed raises no alert */
  categories: z
    .strictObject({
      exceedance: z.array(ChannelSchema).optional(),
      odor: z.array(ChannelSchema).optional(),
      'illicit-discharge': z.array(ChannelSchema).optional(),
      instrument: z.array(ChannelSchema).optional(),
      'no-data': z.array(ChannelSchema).optional(),
      flatline: z.array(ChannelSchema).optional(),
    })
    .default({
      exceedance: ['wecom', 'sms'],
      odor: ['wecom', 'sms'],
      'illicit-discharge': ['wecom', 'sms'],
      instrument: ['wecom'],
      'no-data': ['wecom'],
      flatline: ['wecom'],
    }),
  /**
   * channels per ticket level (预警 / 管控 / 超标), intersected with the above: by default a warning goes
   * to the WeCom group only, never by SMS, so that 80 % warnings and sensor indications do not flood phones
   */
  levels: z
    .strictObject({
      warning: z.array(ChannelSchema).optional(),
      control: z.array(ChannelSchema).optional(),
      exceedance: z.array(ChannelSchema).optional(),
    })
    .default({ warning: ['wecom'], control: ['wecom', 'sms'], exceedance: ['wecom', 'sms'] }),
  /** one alert per ticket and kind within this window (a flapping ticket does not alert every time) */
  dedupWindowMs: z.number().int().nonnegative().default(30 * 60_000),
  /** unacknowledged tickets escalate (processor/alerts/escalation.ts) */
  escalation: EscalationSchema.prefault({}),
  /** rectification deadline per ticket level, from opening (processor/tickets) */
  deadlines: DeadlinesSchema.prefault({}),
  /** tickets past their deadline unclosed alert once per deadline (processor/alerts/overdue.ts) */
  overdue: OverdueSchema.prefault({}),
  /** device problems at an enterprise's site also go to its contact and maintenance contractor (运维单位) */
  faults: FaultContactsSchema.prefault({}),
});
export type AlertsConfig = z.infer<typeof AlertsConfigSchema>;
