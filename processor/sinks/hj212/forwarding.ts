import { asyncScheduler, interval, Subscription, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { Reading } from '../../../gateway/model/reading.js';
import type { Registry } from '../../../gateway/registry/schema.js';
import { withUpstreamPws, type Upstream } from '../../../gateway/registry/upstream.js';
import type { SeriesMean } from '../../means/index.js';
import { Aggregates, type SiteAggregate } from './aggregate.js';
import { historyResponder } from './history.js';
import { createForwarder, type DataPacket, type Forwarder } from './index.js';
import { hj212Time } from './wire.js';

export interface Hj212ForwardingOptions {
  registry: Pick<Registry, 'sites' | 'means' | 'upstreams' | 'lateness'>;
  dataDir: string;
  /** history requests are answered from here (InfluxDB 1.x query API) */
  influx?: { url: string; database: string };
  log?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** timers (real-time interval, 10-min blocks) and the time packets are made */
  scheduler?: SchedulerLike;
  reconnect?: { initialMs: number; maxMs: number };
  /** the PW each upstream expects per MN, from the secrets file (`hj212.upstreams[<upstream id>][<MN>]`) */
  upstreamPws?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface Hj212Forwarding {
  start(): void;
  stop(): Promise<void>;
  /** a batch of accepted (durable) readings */
  observe(batch: readonly Reading[]): void;
  /** judged hourly and daily means (the rule engine's onMeans) */
  onMeans(means: readonly SeriesMean[]): void;
  readonly forwarder: Forwarder;
}

/** how often closed 10-min blocks are looked for */
const BLOCK_TICK_MS = 30_000;

/**
 * Forwarding to the registry's upstream platforms: per upstream, the aggregates of its sites (2011 each
 * real-time interval, 2051 per closed 10-min block, 2061/2031 per judged mean) go to the forwarder, ack-
 * required ones through the durable outbox; the upstream's requests are answered from InfluxDB.
 */
export function createHj212Forwarding(o: Hj212ForwardingOptions): Hj212Forwarding {
  const scheduler = o.scheduler ?? asyncScheduler;
  const now = () => scheduler.now();
  // PWs from the secrets file, never from the registry file (issue 11), except a deprecated registry `pw`
  const pws = withUpstreamPws(o.registry.upstreams, o.upstreamPws);
  if (pws.missing.length > 0) o.log?.warn({ sites: pws.missing }, 'hj212 upstream sites without a PW in the secrets file (hj212.upstreams.<upstream>.<MN>): their packets go without one');
  if (pws.plain.length > 0) o.log?.warn({ sites: pws.plain }, 'hj212 upstream PWs are plain text in the registry; move them to the secrets file (hj212.upstreams.<upstream>.<MN>)');
  const registry = { ...o.registry, upstreams: pws.upstreams };
  const forwarder = createForwarder({
    registry,
    dataDir: o.dataDir,
    log: o.log,
    reconnect: o.reconnect,
    onRequest: o.influx ? historyResponder({ registry, influx: o.influx, now, log: o.log }) : undefined,
  });
  const per = registry.upstreams.map((u) => {
    const sites = new Map(u.sites.map((s) => [s.site, s.factors ? new Set(s.factors) : undefined] as const));
    const carried = { sites: o.registry.sites.filter((s) => sites.has(s.id)), means: o.registry.means };
    return { u, sites, agg: new Aggregates(carried, o.registry.lateness.graceMs) };
  });
  let subs = new Subscription();

  const send = (u: Upstream, command: keyof Upstream['commands'], aggs: readonly SiteAggregate[]) => {
    const c = u.commands[command];
    if (!c.enabled || aggs.length === 0) return;
    const at = now();
    const packets: DataPacket[] = aggs.map((a) => ({ site: a.site, cn: a.cn, at, fields: { DataTime: hj212Time(a.dataTime) }, factors: a.factors }));
    try {
      forwarder.send(u.id, packets, c.ack);
    } catch (err) {
      o.log?.warn({ upstream: u.id, err: (err as Error).message, packets: packets.length }, 'hj212 packets not put in the outbox');
    }
  };

  return {
    forwarder,
    start() {
      forwarder.start();
      subs = new Subscription();
      for (const p of per) {
        subs.add(interval(p.u.commands.realtime.intervalMs, scheduler).subscribe(() => send(p.u, 'realtime', p.agg.realtime())));
        subs.add(interval(BLOCK_TICK_MS, scheduler).subscribe(() => send(p.u, 'minute', p.agg.closeBlocks(now()))));
      }
    },
    async stop() {
      subs.unsubscribe();
      await forwarder.stop();
    },
    observe(batch) {
      for (const p of per) {
        const mine = batch.filter((r) => p.sites.has(r.site) && (p.sites.get(r.site)?.has(r.pollutant) ?? true));
        if (mine.length > 0) p.agg.observe(mine, now());
      }
    },
    onMeans(means) {
      for (const p of per) {
        const mine = means.filter((m) => p.sites.has(m.site) && (p.sites.get(m.site)?.has(m.pollutant) ?? true));
        send(p.u, 'hour', p.agg.fromMeans(mine.filter((m) => m.period === 'hour')));
        send(p.u, 'day', p.agg.fromMeans(mine.filter((m) => m.period === 'day')));
      }
    },
  };
}
