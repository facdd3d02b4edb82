import type { Registry } from '../../gateway/registry/schema.js';
import type { BenchContext } from './context.js';
import { closeSession, openSession } from './ingest.js';
import { airDevices, planPublishers } from './load.js';
import { sleep } from './procs.js';

/**
 * Idle memory: the gateway as `npm start` runs it (embedded broker) with the park's devices at their
 * own intervals — the Modbus devices polled from the simulators, the fence-line stations publishing
 * one message per interval — and no other load. The RSS is read after the warm-up (half the time).
 */
export interface IdleResult {
  devices: number;
  durationMs: number;
  /** RSS at the end, and the highest seen after the warm-up */
  rss: number;
  rssMax: number;
  /** getrusage maxrss over the whole life of the process, start-up included */
  peakRss?: number;
  gatewayCores: number;
}

export async function idleMemory(ctx: BenchContext, registry: Registry, durationMs: number): Promise<IdleResult> {
  const s = await openSession(ctx, registry, 'aedes', 'full', 'idle');
  const devices = registry.sites.reduce((a, x) => a + x.devices.length, 0);
  let final: { maxRss: number } | undefined;
  try {
    const stations = airDevices(s.registry);
    const intervals = new Map(s.registry.sites.flatMap((x) => x.devices.map((d) => [d.id, (d as { intervalMs?: number }).intervalMs ?? 10_000] as const)));
    const rate = stations.reduce((a, d) => a + (d.channels.length * 1000) / (intervals.get(d.device) ?? 10_000), 0);
    const of = Math.min(ctx.publishers.size, 1);
    const plans = planPublishers({ url: s.gw.mqttUrl, prefix: s.registry.inputs.mqtt.topicPrefix, devices: stations, shape: 'full', durationMs, tsBase: s.tsBase, of, qos: 1, window: 100 }, rate, `${ctx.runTag}-idle`);
    const t0 = Date.now();
    const load = ctx.publishers.run(plans);
    await sleep(durationMs);
    await load;
    const after = s.gw.statuses.filter((x) => x.t >= t0 + durationMs / 2);
    const last = s.gw.latest()!;
    const first = s.gw.statuses.find((x) => x.t >= t0) ?? last;
    const result = {
      devices,
      durationMs,
      rss: last.rss,
      rssMax: Math.max(0, ...after.map((x) => x.rss)),
      gatewayCores: (last.cpuMs - first.cpuMs) / Math.max(1, last.t - first.t),
    };
    final = await closeSession(ctx, s);
    return { ...result, peakRss: final?.maxRss };
  } finally {
    if (!final) await closeSession(ctx, s);
  }
}
