import { asyncScheduler, filter, Subject } from 'rxjs';
import type { Alerts, AlertsOptions } from './alertsTypes.js';
import type { TicketSummary } from '../tickets/types.js';
import type { AlertKind, Channel } from './config.js';
import { buildEscalation } from './escalationFormat.js';
import { alertKindOf, buildAlert, type Alert } from './format.js';
import { alertId } from './outbox.js';
import { NoticeKindSchema, noticeAlert } from './notice.js';
import { buildOverdue, copiesOf, withAckLink } from './recipients.js';
import { emptyStats, masked, type AlertOutcome, type ChannelStats, type QueueHost } from './queue.js';
import { createAliyunSms } from './sms.js';
import { SmsQueue } from './smsQueue.js';
import { WecomQueue } from './wecomQueue.js';

export type { AlertCounters, Alerts, AlertsOptions } from './alertsTypes.js';

/**
 * Alerts to the 包联干部 from ticket changes: WeCom group robot and SMS (domain.md §3), chosen per change
 * kind and ticket category (config routes ∩ categories), de-duplicated per ticket and kind, paced under
 * each channel's limits, retried with backoff. Nothing runs until the first change arrives.
 */
export function createAlerts(o: AlertsOptions): Alerts {
  const { config, registry, log } = o;
  const now = o.now ?? Date.now;
  const scheduler = o.scheduler ?? asyncScheduler;
  const doFetch = o.fetch ?? globalThis.fetch;
  const outcomes = new Subject<AlertOutcome>();
  const stats: Record<Channel, ChannelStats> = { wecom: emptyStats(), sms: emptyStats() };
  const seen = new Map<string, number>();
  const warned = new Set<string>();
  let deduplicated = 0;
  let skipped = 0;
  let wecom: WecomQueue | undefined;
  let sms: SmsQueue | undefined;
  let stopped = false;

  function report(out: AlertOutcome): void {
    const s = stats[out.channel];
    const n = out.alerts.length;
    if (out.status === 'sent') s.sent += n;
    else if (out.status === 'failed') s.failed += n;
    else if (out.status === 'dropped') s.dropped += n;
    else s.capped += n;
    if (out.status === 'dropped') log.warn({ channel: out.channel, tickets: out.alerts.map((a) => a.ticketId) }, 'alert dropped: queue full');
    else log.debug({ channel: out.channel, status: out.status, tickets: out.alerts.map((a) => a.ticketId), to: out.to.map(masked) }, 'alert outcome');
    if (o.outbox && out.status !== 'dropped') {
      const ids = out.alerts.flatMap((a) => (a.id ? [a.id] : []));
      try {
        o.outbox.settle(ids, out.status, out.at, out.reason);
      } catch (err) {
        // the alerts stay waiting: sent again after a restart
        log.error({ err: (err as Error).message, channel: out.channel, alerts: ids.length }, 'alert outcome not recorded in the outbox');
      }
    }
    outcomes.next(out);
    if (o.outbox && !stopped) fill(out.channel);
    if (out.status === 'sent' && o.onSent) {
      for (const a of out.alerts.filter((x) => !NoticeKindSchema.safeParse(x.kind).success)) {
        try {
          o.onSent(a.ticketId, out.channel, out);
        } catch (err) {
          log.warn({ err: (err as Error).message, ticket: a.ticketId }, 'onSent callback failed');
        }
      }
    }
  }

  const host = (channel: Channel): QueueHost => ({ now, scheduler, log, stats: stats[channel], report, keepRetrying: o.outbox !== undefined });

  /** the last outbox row handed to each channel's queue */
  const loaded: Record<Channel, number> = { wecom: 0, sms: 0 };

  /** Hands waiting outbox alerts to the channel's queue, as many as it has room for: the rest wait on disk. */
  function fill(channel: Channel): void {
    const box = o.outbox;
    if (!box || stopped) return;
    try {
      if (channel === 'wecom') {
        const q = wecomQueue();
        if (!q) return;
        for (const w of box.waiting('wecom', loaded.wecom, config.wecom.maxQueued - q.pending)) {
          loaded.wecom = w.seq;
          q.enqueue(w.alert);
        }
      } else {
        const q = smsQueue();
        if (!q) return;
        for (const w of box.waiting('sms', loaded.sms, config.sms!.maxQueued - q.pending)) {
          loaded.sms = w.seq;
          if (w.recipient) q.enqueue(w.alert, w.recipient);
        }
      }
    } catch (err) {
      log.error({ err: (err as Error).message, channel }, 'alert outbox not read');
    }
  }

  /** Puts the alert on the channel: through the outbox when there is one (false when that alert was recorded already). */
  function send(channel: Channel, alert: Alert, at: number, mobile?: string): boolean {
    if (!o.outbox) {
      if (channel === 'wecom') wecom!.enqueue(alert);
      else sms!.enqueue(alert, mobile!);
      return true;
    }
    if (!o.outbox.record({ ...alert, id: alertId(alert, channel) }, channel, mobile, at)) return false;
    fill(channel);
    return true;
  }

  function warnOnce(what: string, msg: string): void {
    if (warned.has(what)) return;
    warned.add(what);
    log.warn(msg);
  }

  function wecomQueue(): WecomQueue | undefined {
    if (!config.wecom.enabled) return undefined;
    if (!o.secrets.wecomKey) {
      warnOnce('wecom', 'WeCom alerts configured but WECOM_KEY is not set; WeCom alerts skipped');
      return undefined;
    }
    wecom ??= new WecomQueue({ config: config.wecom, key: o.secrets.wecomKey, fetch: doFetch, host: host('wecom') });
    return wecom;
  }

  function smsQueue(): SmsQueue | undefined {
    const c = config.sms;
    if (!c) return undefined;
    let provider = o.sms;
    if (!provider) {
      const keys = o.secrets.aliyun;
      if (!keys) {
        warnOnce('sms', 'SMS alerts configured but ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are not set; SMS alerts skipped');
        return undefined;
      }
      provider = createAliyunSms({ endpoint: c.endpoint, regionId: c.regionId, signName: c.signName, ...keys, fetch: doFetch, now, timeoutMs: c.requestTimeoutMs });
    }
    const box = o.outbox;
    sms ??= new SmsQueue({ config: c, provider, timeZone: registry.park.timezone, host: host('sms'), ...(box ? { sentSince: (since: number) => box.smsSentSince(since) } : {}) });
    return sms;
  }

  /** one alert per ticket and kind within dedupWindowMs */
  function firstInWindow(key: string, at: number): boolean {
    const last = seen.get(key);
    if (last !== undefined && at - last < config.dedupWindowMs) return false;
    seen.set(key, at);
    if (seen.size > 10_000) for (const [k, t] of seen) if (at - t >= config.dedupWindowMs) seen.delete(k);
    return true;
  }

  function channelsFor(kind: AlertKind, ticket: TicketSummary): Channel[] {
    const allowed = (config.categories as Partial<Record<TicketSummary['category'], Channel[]>>)[ticket.category] ?? [];
    const byLevel = config.levels[ticket.level] ?? [];
    return config.routes[kind].filter((c) => allowed.includes(c) && byLevel.includes(c));
  }

  /**
   * The alert of a ticket change, escalation or overdue ticket on its channels (routes ∩ categories ∩ levels),
   * once per key in the window, with the officer's acknowledgement link; then its copies (recipients.ts).
   */
  function deliver(kind: AlertKind, ticket: TicketSummary, build: (at: number) => Alert): void {
    const channels = channelsFor(kind, ticket);
    const at = now();
    const alert = withAckLink(build(at), ticket, o.ackLink);
    const copies = copiesOf(kind, ticket, alert, config, registry, channels);
    if (channels.length === 0 && copies.length === 0) return;
    if (!firstInWindow(alert.key, at)) {
      deduplicated++;
      return;
    }
    put(channels, alert, ticket, at);
    for (const c of copies) put(c.channels, c.alert, ticket, at);
  }

  function put(channels: readonly Channel[], alert: Alert, ticket: TicketSummary, at: number): void {
    if (channels.includes('wecom')) {
      const q = wecomQueue();
      if (!q) skipped++;
      else if (!send('wecom', alert, at)) deduplicated++;
    }
    if (channels.includes('sms')) {
      const q = smsQueue();
      if (q && alert.officer) {
        if (!send('sms', alert, at, alert.officer.mobile)) deduplicated++;
      } else {
        skipped++;
        if (q) log.warn({ ticket: alert.ticketId, officer: ticket.officer }, 'no officer mobile for ticket; SMS skipped');
      }
    }
  }

  // alerts recorded before a restart or a crash and not settled: sent again, oldest first
  if (o.outbox && config.enabled) {
    try {
      const waiting = o.outbox.countWaiting();
      if (waiting.wecom || waiting.sms) log.info({ waiting }, 'alerts waiting in the outbox from before; sending them');
      for (const c of ['wecom', 'sms'] as const) if (waiting[c]) fill(c);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'alert outbox not read');
    }
  }

  return {
    handle(change) {
      if (stopped || !config.enabled) return;
      try {
        const kind = alertKindOf(change);
        if (kind) deliver(kind, change.ticket, (at) => buildAlert(change, kind, registry, at));
      } catch (err) {
        log.error({ err: (err as Error).message, ticket: change.ticket.id }, 'alert not built');
      }
    },
    escalate(e) {
      if (stopped || !config.enabled) return;
      try {
        deliver('escalated', e.ticket, (at) => buildEscalation(e, config.escalation, registry, at));
      } catch (err) {
        log.error({ err: (err as Error).message, ticket: e.ticket.id, step: e.step }, 'escalation alert not built');
      }
    },
    notify(n) {
      if (stopped || !config.enabled) return false;
      try {
        const q = wecomQueue();
        const at = now();
        const alert = noticeAlert(n, at);
        if (!q) skipped++;
        else if (o.outbox && !o.outbox.record(alert, 'wecom', undefined, at)) deduplicated++;
        else {
          if (o.outbox) fill('wecom');
          else q.enqueue(alert);
          return true;
        }
        return false;
      } catch (err) {
        log.error({ err: (err as Error).message, notice: n.id }, 'notice not recorded');
        return false;
      }
    },
    overdue(d) {
      if (stopped || !config.enabled) return;
      try {
        deliver('overdue', d.ticket, (at) => buildOverdue(d, config.escalation.contacts.chief, registry, at));
      } catch (err) {
        log.error({ err: (err as Error).message, ticket: d.ticket.id }, 'overdue alert not built');
      }
    },
    outcomes$: outcomes.asObservable(),
    sent$: outcomes.pipe(filter((x) => x.status === 'sent')),
    counters() {
      // with the outbox: every alert recorded and not settled, in memory or waiting on disk
      const waiting = o.outbox ? o.outbox.countWaiting() : undefined;
      const wp = waiting?.wecom ?? wecom?.pending ?? 0;
      const sp = waiting?.sms ?? sms?.pending ?? 0;
      const total = (k: keyof ChannelStats) => stats.wecom[k] + stats.sms[k];
      return {
        sent: total('sent'),
        failed: total('failed'),
        pending: wp + sp,
        rateLimited: total('rateLimited'),
        dropped: total('dropped'),
        capped: total('capped'),
        deduplicated,
        skipped,
        byChannel: { wecom: { ...stats.wecom, pending: wp }, sms: { ...stats.sms, pending: sp } },
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      wecom?.stop();
      sms?.stop();
      outcomes.complete();
    },
  };
}
