import type { Observable, SchedulerLike } from 'rxjs';
import type { Registry } from '../../gateway/registry/schema.js';
import type { TicketChange } from '../tickets/service.js';
import type { AlertSecrets, AlertsConfig, Channel } from './config.js';
import type { Escalation } from './escalationFormat.js';
import type { AlertOutbox } from './outbox.js';
import type { AlertCounters, AlertLog, AlertOutcome } from './queue.js';
import type { Notice } from './notice.js';
import type { AckLink, Overdue } from './recipients.js';
import type { SmsProvider } from './sms.js';

// The alerts dispatcher's contract (dispatcher.ts createAlerts): its options, counters and methods.

export interface AlertsOptions {
  /** the registry's `alerts:` section */
  config: AlertsConfig;
  /** WeCom key and SMS AccessKey, from the environment */
  secrets: AlertSecrets;
  registry: Registry;
  log: AlertLog;
  /** clock for timestamps and the daily cap (default Date.now) */
  now?: () => number;
  /** timers: pacing, backoff (default asyncScheduler) */
  scheduler?: SchedulerLike;
  fetch?: typeof fetch;
  /** replaces the SMS provider built from config.sms (another provider) */
  sms?: SmsProvider;
  /**
   * the durable outbox (park.db alert_outbox): every alert is recorded there before it is sent and marked
   * on the provider's reply; alerts still waiting are sent after a restart; a full queue leaves them on disk
   */
  outbox?: AlertOutbox;
  /** the officers' acknowledgement links (absent: alerts carry none) */
  ackLink?: AckLink;
  /** called once per ticket for each alert delivered, e.g. to note it on the ticket */
  onSent?: (ticketId: string, channel: Channel, info: AlertOutcome) => void;
}

export type { AlertCounters } from './queue.js';

export interface Alerts {
  /** Takes one ticket change; alerts it on the configured channels. Never throws. */
  handle(change: TicketChange): void;
  /** Takes one escalation step of an unacknowledged ticket (escalation.ts); alerts it as kind 'escalated'. Never throws. */
  escalate(e: Escalation): void;
  /** Takes a ticket past its deadline unclosed (overdue.ts); alerts it as kind 'overdue' to the officer and the chief. Never throws. */
  overdue(o: Overdue): void;
  /** Sends a prepared WeCom message (notice.ts) through the outbox once per notice id; false when skipped or recorded already. Never throws. */
  notify(n: Notice): boolean;
  /** every outcome: sent, failed, dropped, capped */
  readonly outcomes$: Observable<AlertOutcome>;
  /** delivered alerts, with request and reply times */
  readonly sent$: Observable<AlertOutcome>;
  counters(): AlertCounters;
  /** cancels timers and requests in flight; completes the observables */
  stop(): void;
}
