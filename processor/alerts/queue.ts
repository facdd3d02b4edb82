import type { SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { AlertKind, Channel, RetryPolicy } from './config.js';
import type { Alert } from './format.js';
import type { NoticeKind } from './noticeKind.js';

export type AlertLog = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

/** What the alerts did so far (createAlerts counters()). */
export interface AlertCounters {
  /** alerts delivered (an alert is one ticket change on one channel) */
  sent: number;
  /** alerts given up: refused, bad key, retries exhausted */
  failed: number;
  /** alerts waiting or in flight */
  pending: number;
  /** WeCom 130101 replies */
  rateLimited: number;
  /** alerts dropped from a full queue */
  dropped: number;
  /** SMS alerts not sent because the number reached its daily cap */
  capped: number;
  /** ticket changes not alerted again within dedupWindowMs */
  deduplicated: number;
  /** alerts for a channel without credentials, or SMS for a ticket without a known officer */
  skipped: number;
  byChannel: Record<Channel, ChannelStats & { pending: number }>;
}

/** One alert inside an outcome. */
export interface AlertRef {
  ticketId: string;
  kind: AlertKind | NoticeKind;
  /** ticket service time of the change */
  changeAt: number;
  /** when the dispatcher took it */
  queuedAt: number;
  /** its id in the alert outbox, when there is one */
  id?: string;
}

/** What became of one request (or of alerts that never got one). Times are epoch ms. */
export interface AlertOutcome {
  channel: Channel;
  /** capped: SMS daily cap reached (ours or the provider's), not retried today; dropped: queue full */
  status: 'sent' | 'failed' | 'dropped' | 'capped';
  alerts: AlertRef[];
  /** when the outcome was known */
  at: number;
  /** when the last request started (absent when none was made) */
  requestAt?: number;
  /** requests made for these alerts */
  attempts: number;
  /** SMS: the numbers; WeCom: the mentioned mobiles or userids */
  to: string[];
  /** SMS: provider message id (Aliyun BizId) */
  messageId?: string;
  requestId?: string;
  /** WeCom errcode or provider Code */
  code?: string | number;
  reason?: string;
}

/** Counters of one channel (alerts, not requests, unless named so). */
export interface ChannelStats {
  sent: number;
  failed: number;
  dropped: number;
  capped: number;
  /** WeCom 130101 replies (requests) */
  rateLimited: number;
  requests: number;
  /** requests repeated after a transient failure or a rate limit */
  retries: number;
}

export const emptyStats = (): ChannelStats => ({ sent: 0, failed: 0, dropped: 0, capped: 0, rateLimited: 0, requests: 0, retries: 0 });

/** What a channel queue gets from the dispatcher. */
export interface QueueHost {
  now: () => number;
  scheduler: SchedulerLike;
  log: AlertLog;
  stats: ChannelStats;
  report: (o: AlertOutcome) => void;
  /**
   * the alerts wait in a durable outbox: transient failures are retried with the backoff (at most
   * retry.maxMs apart) until the provider answers, instead of failing after retry.attempts
   */
  keepRetrying?: boolean;
}

/** An alert waiting in a queue, with the requests already spent on it. */
export interface Pending {
  alert: Alert;
  attempts: number;
}

/** 138****1102: a mobile number for logs */
export const masked = (mobile: string): string => (mobile.length === 11 ? `${mobile.slice(0, 3)}****${mobile.slice(7)}` : '***');

export const refOf = (a: Alert): AlertRef => ({ ticketId: a.ticketId, kind: a.kind, changeAt: a.changeAt, queuedAt: a.queuedAt, ...(a.id ? { id: a.id } : {}) });

/** High priority first, then first come first served (stable). */
export const byPriority = (items: readonly Pending[]): Pending[] => [...items.filter((p) => p.alert.high), ...items.filter((p) => !p.alert.high)];

/**
 * Sliding-window limit: at most `max` events in any `windowMs`. The window is widened by a margin so
 * that network delay cannot make two requests look closer to the server than they were to us.
 */
export class RateWindow {
  private stamps: number[] = [];
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly marginMs = 1000,
  ) {}

  /** Earliest time ≥ now at which one more event keeps the limit. */
  nextSlot(now: number): number {
    const span = this.windowMs + this.marginMs;
    this.stamps = this.stamps.filter((t) => t > now - span);
    if (this.stamps.length < this.max) return now;
    return this.stamps[this.stamps.length - this.max]! + span;
  }

  record(at: number): void {
    this.stamps.push(at);
  }
}

/** Exponential backoff: initialMs × 2^(attempt-1), at most maxMs. `attempt` counts failed requests (≥ 1). */
export function backoffMs(p: RetryPolicy, attempt: number): number {
  return Math.min(p.maxMs, p.initialMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Index of the alert to drop when a queue is over its bound: the oldest low-priority one, else the oldest.
 * `items` are in arrival order.
 */
export function victimIndex(items: readonly Pending[]): number {
  const low = items.findIndex((p) => !p.alert.high);
  return low >= 0 ? low : 0;
}
