import type { Subscription } from 'rxjs';
import type { AlertKind, WecomConfig } from './config.js';
import type { Alert } from './format.js';
import type { NoticeKind } from './noticeKind.js';
import { backoffMs, byPriority, RateWindow, refOf, victimIndex, type Pending, type QueueHost } from './queue.js';
import { packAlerts, wecomRobot, type WecomMessage, type WecomOutcome } from './wecom.js';

export interface WecomQueueOptions {
  config: WecomConfig;
  key: string;
  fetch: typeof fetch;
  host: QueueHost;
}

/**
 * The queue of one group robot. It keeps the robot under its rate limit (§3.1: 20 messages a minute):
 * at most rateLimit.max messages in any rateLimit.windowMs, and at least minIntervalMs between two.
 * A lone alert goes out at once; alerts that arrive while the robot waits go out together as one
 * summary message. 130101 pauses the robot for rateLimitBackoffMs and retries the same alerts;
 * 93000 and other errcodes fail the alerts without retry; HTTP and network errors retry with backoff.
 */
export class WecomQueue {
  private items: Pending[] = [];
  private inFlight: Pending[] = [];
  private abort?: AbortController;
  private timer?: Subscription;
  private pausedUntil = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly window: RateWindow;
  private readonly minIntervalMs: number;
  private readonly mentionOn: ReadonlySet<AlertKind | NoticeKind>;
  private readonly robot: ReturnType<typeof wecomRobot>;

  constructor(private readonly o: WecomQueueOptions) {
    const { rateLimit } = o.config;
    this.window = new RateWindow(rateLimit.max, rateLimit.windowMs);
    this.minIntervalMs = o.config.minIntervalMs ?? Math.ceil(rateLimit.windowMs / rateLimit.max);
    this.mentionOn = new Set(o.config.mentionOn);
    this.robot = wecomRobot({ baseUrl: o.config.baseUrl, key: o.key, fetch: o.fetch, timeoutMs: o.config.requestTimeoutMs });
  }

  /** alerts waiting or in flight */
  get pending(): number {
    return this.items.length + this.inFlight.length;
  }

  enqueue(alert: Alert): void {
    if (this.stopped) return;
    this.items.push({ alert, attempts: 0 });
    while (this.items.length > this.o.config.maxQueued) {
      const [gone] = this.items.splice(victimIndex(this.items), 1);
      this.o.host.report({ channel: 'wecom', status: 'dropped', alerts: [refOf(gone!.alert)], at: this.o.host.now(), attempts: gone!.attempts, to: [], reason: `queue full (${this.o.config.maxQueued})` });
    }
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.abort?.abort();
    if (this.items.length) this.o.host.log.warn({ pending: this.items.length }, this.o.host.keepRetrying ? 'WeCom alerts not sent at stop; kept in the outbox for the next start' : 'WeCom alerts not sent at stop');
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer || this.abort || this.items.length === 0) return;
    this.timer = this.o.host.scheduler.schedule(() => {
      this.timer = undefined;
      void this.pump();
    }, delayMs);
  }

  private waitMs(now: number): number {
    return Math.max(0, this.pausedUntil - now, this.window.nextSlot(now) - now, this.lastSentAt + this.minIntervalMs - now);
  }

  private async pump(): Promise<void> {
    const { host } = this.o;
    if (this.stopped || this.items.length === 0) return;
    const now = host.now();
    const wait = this.waitMs(now);
    if (wait > 0) return this.schedule(wait);
    const ordered = byPriority(this.items);
    // a notice's prepared message goes alone and as it is; alerts are packed among themselves
    const first = ordered[0]!;
    const plain = first.alert.message ? [first] : ordered.filter((p) => !p.alert.message);
    const { message, count } = first.alert.message
      ? { message: first.alert.message, count: 1 }
      : packAlerts(
          plain.map((p) => p.alert),
          { msgtype: this.o.config.msgtype, mention: (a) => this.mentionOn.has(a.kind) },
        );
    const batch = plain.slice(0, count);
    this.items = this.items.filter((p) => !batch.includes(p));
    this.inFlight = batch;
    for (const p of batch) p.attempts++;
    if (batch.some((p) => p.attempts > 1)) host.stats.retries++;
    host.stats.requests++;
    this.window.record(now);
    this.lastSentAt = now;
    this.abort = new AbortController();
    const outcome = await this.robot.post(message, this.abort.signal);
    this.abort = undefined;
    this.inFlight = [];
    if (this.stopped) return;
    this.settle(batch, message, outcome, now);
    this.schedule(0);
  }

  private settle(batch: Pending[], message: WecomMessage, outcome: WecomOutcome, requestAt: number): void {
    const { host, config } = this.o;
    const at = host.now();
    const to = message.msgtype === 'text' ? [...(message.text.mentioned_mobile_list ?? []), ...(message.text.mentioned_list ?? [])] : [];
    const base = { channel: 'wecom' as const, at, requestAt, to, attempts: Math.max(...batch.map((p) => p.attempts)) };
    const alerts = batch.map((p) => refOf(p.alert));
    switch (outcome.kind) {
      case 'ok':
        host.report({ ...base, status: 'sent', alerts });
        return;
      case 'rate-limited':
        // §3.1: 130101 "exceed 20 times per minute": wait, then retry the same alerts (they keep their place)
        host.stats.rateLimited++;
        this.pausedUntil = at + config.rateLimitBackoffMs;
        this.items = [...batch, ...this.items];
        host.log.warn({ errcode: outcome.errcode, errmsg: outcome.errmsg, alerts: batch.length, retryInMs: config.rateLimitBackoffMs }, 'WeCom robot rate limited; backing off');
        return;
      case 'invalid-key':
      case 'rejected':
        host.log.error({ errcode: outcome.errcode, errmsg: outcome.errmsg, alerts: batch.length }, outcome.kind === 'invalid-key' ? 'WeCom robot key invalid (93000); alerts not sent' : `WeCom robot refused the message: ${outcome.errmsg}`);
        host.report({ ...base, status: 'failed', alerts, code: outcome.errcode, reason: outcome.errmsg });
        return;
      case 'transient': {
        const spent = host.keepRetrying ? [] : batch.filter((p) => p.attempts >= config.retry.attempts);
        const again = host.keepRetrying ? batch : batch.filter((p) => p.attempts < config.retry.attempts);
        if (spent.length) {
          host.log.error({ reason: outcome.reason, alerts: spent.length }, 'WeCom alerts failed after retries');
          host.report({ ...base, status: 'failed', alerts: spent.map((p) => refOf(p.alert)), reason: outcome.reason, ...(outcome.status ? { code: outcome.status } : {}) });
        }
        if (again.length) {
          const delay = backoffMs(config.retry, Math.max(...again.map((p) => p.attempts)));
          this.pausedUntil = at + delay;
          this.items = [...again, ...this.items];
          host.log.warn({ reason: outcome.reason, alerts: again.length, retryInMs: delay }, 'WeCom request failed; retrying');
        }
        return;
      }
    }
  }
}
