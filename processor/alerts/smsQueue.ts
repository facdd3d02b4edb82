import { createHash } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { localDay } from '../tickets/aggregate.js';
import type { SmsConfig } from './config.js';
import type { Alert } from './format.js';
import { backoffMs, byPriority, masked, refOf, victimIndex, type Pending, type QueueHost } from './queue.js';
import type { SmsProvider, SmsSendResult } from './sms.js';

interface NumberState {
  items: Pending[];
  inFlight: Pending[];
  lastSentAt: number;
  pausedUntil: number;
  timer?: Subscription;
  abort?: AbortController;
}

/** Cuts to at most `max` characters (code points), ending with "…" when cut. */
export function cutChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

const distinct = (xs: string[]) => [...new Set(xs)];

/**
 * Template values for one SMS covering `alerts` (highest priority first): one alert as it is, several
 * summarised (site 等N处, ticket 等N张), each value cut to maxParamChars.
 */
export function smsParams(alerts: readonly Alert[], config: SmsConfig): Record<string, string> {
  const max = config.maxParamChars;
  /** the head is cut first, so that the summary's suffix (等3处) survives */
  const summary = (head: string, suffix: string) => cutChars(head, Math.max(1, max - [...suffix].length)) + suffix;
  const first = alerts[0]!.sms;
  const n = alerts.length;
  const sites = distinct(alerts.map((a) => a.sms.site));
  const values = {
    site: sites.length > 1 ? summary(first.site, `等${sites.length}处`) : first.site,
    pollutant: distinct(alerts.map((a) => a.sms.pollutant)).join('、'),
    value: n > 1 ? summary(first.value, '等') : first.value,
    ticket: n > 1 ? summary(first.ticket, `等${n}张`) : first.ticket,
  };
  const names = config.params;
  const out: Record<string, string> = {};
  for (const k of ['site', 'pollutant', 'value', 'ticket'] as const) out[names[k]] = cutChars(values[k], max);
  return out;
}

export interface SmsQueueOptions {
  config: SmsConfig;
  provider: SmsProvider;
  /** park time zone: the daily cap counts park-local days */
  timeZone: string;
  host: QueueHost;
  /** SMS already sent since a time, from a durable record (the outbox): our daily count per number survives a restart */
  sentSince?: (since: number) => { to: string; at: number }[];
}

/**
 * SMS to officers, one queue per mobile number. The first alert to a number goes out at once; alerts
 * arriving within minIntervalMs of the last SMS to that number are sent together as one SMS.
 * §3.2 flow control: at most dailyCapPerNumber SMS a day to one number (same signature and template);
 * beyond it, and after the provider's BUSINESS_LIMIT_CONTROL / DAY_LIMIT_CONTROL, alerts for that
 * number are reported as capped and not retried today.
 */
export class SmsQueue {
  private numbers = new Map<string, NumberState>();
  private day = '';
  private sentToday = new Map<string, number>();
  private stopped = false;

  constructor(private readonly o: SmsQueueOptions) {}

  get pending(): number {
    let n = 0;
    for (const s of this.numbers.values()) n += s.items.length + s.inFlight.length;
    return n;
  }

  enqueue(alert: Alert, mobile: string): void {
    if (this.stopped) return;
    let state = this.numbers.get(mobile);
    if (!state) {
      state = { items: [], inFlight: [], lastSentAt: Number.NEGATIVE_INFINITY, pausedUntil: 0 };
      this.numbers.set(mobile, state);
    }
    state.items.push({ alert, attempts: 0 });
    this.enforceBound();
    this.schedule(mobile, state, 0);
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.numbers.values()) {
      s.timer?.unsubscribe();
      s.abort?.abort();
    }
    const left = this.pending;
    if (left) this.o.host.log.warn({ pending: left }, this.o.host.keepRetrying ? 'SMS alerts not sent at stop; kept in the outbox for the next start' : 'SMS alerts not sent at stop');
  }

  /** SMS sent today to the number (ours, since start) */
  sentTo(mobile: string): number {
    this.rollDay();
    return this.sentToday.get(mobile) ?? 0;
  }

  private rollDay(): void {
    const today = localDay(this.o.host.now(), this.o.timeZone);
    if (today !== this.day) {
      this.day = today;
      this.sentToday.clear();
      // the SMS of this park-local day sent before a restart still count (a day is at most 25 h long)
      const now = this.o.host.now();
      for (const s of this.o.sentSince?.(now - 25 * 3_600_000) ?? []) {
        if (localDay(s.at, this.o.timeZone) === today) this.sentToday.set(s.to, (this.sentToday.get(s.to) ?? 0) + 1);
      }
    }
  }

  /** drops the oldest low-priority alert (any number) while more than maxQueued wait */
  private enforceBound(): void {
    while (this.numbers.size && [...this.numbers.values()].reduce((n, s) => n + s.items.length, 0) > this.o.config.maxQueued) {
      const all = [...this.numbers.entries()].flatMap(([mobile, s]) => s.items.map((p) => ({ mobile: masked(mobile), p })));
      all.sort((a, b) => a.p.alert.queuedAt - b.p.alert.queuedAt);
      const victim = all[victimIndex(all.map((x) => x.p))]!;
      const s = this.numbers.get(victim.mobile)!;
      s.items = s.items.filter((p) => p !== victim.p);
      this.o.host.report({ channel: 'sms', status: 'dropped', alerts: [refOf(victim.p.alert)], at: this.o.host.now(), attempts: victim.p.attempts, to: [victim.mobile], reason: `queue full (${this.o.config.maxQueued})` });
    }
  }

  private schedule(mobile: string, s: NumberState, delayMs: number): void {
    if (this.stopped || s.timer || s.abort || s.items.length === 0) return;
    s.timer = this.o.host.scheduler.schedule(() => {
      s.timer = undefined;
      void this.pump(mobile, s);
    }, delayMs);
  }

  private async pump(mobile: string, s: NumberState): Promise<void> {
    const { host, config, provider } = this.o;
    if (this.stopped || s.items.length === 0) return;
    const now = host.now();
    const wait = Math.max(0, s.pausedUntil - now, s.lastSentAt + config.minIntervalMs - now);
    if (wait > 0) return this.schedule(mobile, s, wait);
    const batch = byPriority(s.items);
    s.items = [];
    const alerts = batch.map((p) => refOf(p.alert));
    this.rollDay();
    const cap = config.dailyCapPerNumber;
    if ((this.sentToday.get(mobile) ?? 0) >= cap) {
      host.log.warn({ mobile: masked(mobile), alerts: batch.length, cap }, 'SMS daily cap reached for number; alerts not sent by SMS today');
      host.report({ channel: 'sms', status: 'capped', alerts, at: now, attempts: 0, to: [mobile], reason: `daily cap of ${cap} SMS per number reached` });
      return;
    }
    const dedupKey = createHash('sha1').update(batch.map((p) => p.alert.key).join(',')).digest('hex').slice(0, 20);
    s.inFlight = batch;
    for (const p of batch) p.attempts++;
    if (batch.some((p) => p.attempts > 1)) host.stats.retries++;
    host.stats.requests++;
    s.abort = new AbortController();
    const result = await provider.send([mobile], config.templateCode, smsParams(batch.map((p) => p.alert), config), dedupKey, s.abort.signal);
    s.abort = undefined;
    s.inFlight = [];
    if (this.stopped) return;
    this.settle(mobile, s, batch, result, now);
    this.schedule(mobile, s, 0);
  }

  private settle(mobile: string, s: NumberState, batch: Pending[], r: SmsSendResult, requestAt: number): void {
    const { host, config } = this.o;
    const at = host.now();
    const base = { channel: 'sms' as const, at, requestAt, to: [mobile], attempts: Math.max(...batch.map((p) => p.attempts)), code: r.code, ...(r.requestId ? { requestId: r.requestId } : {}) };
    const alerts = batch.map((p) => refOf(p.alert));
    switch (r.status) {
      case 'sent':
        s.lastSentAt = requestAt;
        this.sentToday.set(mobile, (this.sentToday.get(mobile) ?? 0) + 1);
        host.report({ ...base, status: 'sent', alerts, ...(r.messageId ? { messageId: r.messageId } : {}) });
        return;
      case 'capped':
        // §3.2: the provider's flow control for this number; nothing more to it today
        this.sentToday.set(mobile, Math.max(config.dailyCapPerNumber, this.sentToday.get(mobile) ?? 0));
        host.log.warn({ mobile: masked(mobile), code: r.code, message: r.message, alerts: batch.length }, 'SMS provider flow control for number; not retried today');
        host.report({ ...base, status: 'capped', alerts, reason: r.message });
        return;
      case 'failed':
        host.log.error({ mobile: masked(mobile), code: r.code, message: r.message, alerts: batch.length }, `SMS refused: ${r.code}`);
        host.report({ ...base, status: 'failed', alerts, reason: r.message });
        return;
      case 'retry': {
        const spent = host.keepRetrying ? [] : batch.filter((p) => p.attempts >= config.retry.attempts);
        const again = host.keepRetrying ? batch : batch.filter((p) => p.attempts < config.retry.attempts);
        if (spent.length) {
          host.log.error({ mobile: masked(mobile), code: r.code, message: r.message, alerts: spent.length }, 'SMS failed after retries');
          host.report({ ...base, status: 'failed', alerts: spent.map((p) => refOf(p.alert)), reason: r.message });
        }
        if (again.length) {
          const delay = backoffMs(config.retry, Math.max(...again.map((p) => p.attempts)));
          s.pausedUntil = at + delay;
          s.items = [...again, ...s.items];
          host.log.warn({ mobile: masked(mobile), code: r.code, alerts: again.length, retryInMs: delay }, 'SMS request failed; retrying');
        }
        return;
      }
    }
  }
}
