export { createAlerts, type AlertCounters, type Alerts, type AlertsOptions } from './dispatcher.js';
export {
  AlertKindSchema,
  AlertsConfigSchema,
  AlertsEnvSchema,
  alertSecrets,
  ChannelSchema,
  SmsConfigSchema,
  WecomConfigSchema,
  type AlertKind,
  type AlertSecrets,
  type AlertsConfig,
  type AlertsEnv,
  type Channel,
  type SmsConfig,
  type WecomConfig,
} from './config.js';
export { alertKindOf, buildAlert, formatValue, type Alert } from './format.js';
export { alertId, deliveriesOf, sqliteAlertOutbox, type AlertOutbox, type Delivery, type SettledStatus, type WaitingAlert } from './outbox.js';
export type { AlertOutcome, AlertRef, ChannelStats } from './queue.js';
export { createAliyunSms, type SmsProvider, type SmsSendResult } from './sms.js';
export { buildMarkdown, buildText, packAlerts, truncateUtf8, type WecomMessage } from './wecom.js';
export { createEscalator, type Escalator, type EscalatorOptions } from './escalation.js';
export { buildEscalation, type Escalation } from './escalationFormat.js';
export { NoticeKindSchema, noticeAlert, type Notice, type NoticeKind } from './notice.js';
export type { WecomMarkdown, WecomText } from './wecomTypes.js';
export { createOverdueWatcher, type OverdueWatcher, type OverdueWatcherOptions } from './overdue.js';
export { buildOverdue, copiesOf, withAckLink, type AckLink, type Overdue } from './recipients.js';
