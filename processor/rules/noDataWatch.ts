import type { Registry, Site } from '../../gateway/registry/schema.js';
import type { NoDataState } from '../operators/noData.js';
import type { OnReading, RuleContext } from './cell.js';
import type { BoundDevice } from './compile.js';
import { resumeAfterDowntime } from './downtime.js';
import { noDataInstance, noDataKey } from './site.js';
import type { Rule } from './schema.js';

type NoDataRule = Extract<Rule, { type: 'no-data' }>;

/**
 * The no-data watches of one site under `rule`, each on its real reporting cycle:
 * - one per device: missedIntervals × the device's poll/publish interval, or, for a device all of whose
 *   channels report on a cycle of their own, × the shortest of those cycles;
 * - one per channel with a cycle (an analyser that measures every 30-60 min, register map `cycleMs`):
 *   missedIntervals × cycleMs, and its ticket names the pollutant. A 5-s poll of the device does not
 *   feed it: only the channel's own readings (one per measurement) do.
 */
export function noDataBindings(registry: Registry, site: Site, rule: NoDataRule): BoundDevice[] {
  const out: BoundDevice[] = [];
  for (const d of site.devices) {
    const channels = d.kind === 'modbus' ? (registry.inputs.modbus.maps[d.map]?.channels ?? []) : d.channels.map((pollutant) => ({ pollutant, cycleMs: undefined }));
    const cycles = channels.flatMap((c) => (c.cycleMs !== undefined ? [c.cycleMs] : []));
    const everyOnACycle = channels.length > 0 && cycles.length === channels.length;
    const deviceInterval = everyOnACycle ? Math.min(...cycles) : d.intervalMs;
    out.push({ site, device: d.id, timeoutMs: rule.missedIntervals * deviceInterval, rule });
    for (const c of channels) {
      if (c.cycleMs === undefined) continue;
      out.push({ site, device: d.id, pollutant: c.pollutant, cycleMs: c.cycleMs, timeoutMs: rule.missedIntervals * c.cycleMs, rule });
    }
  }
  return out;
}

/**
 * device → handler that feeds the device's watch and the watch of the reading's channel, if it has one.
 * Watches restored from a previous run resume with the gateway's downtime taken off (downtime.ts).
 */
export function noDataWatches(bound: readonly BoundDevice[], ctx: RuleContext, downtimeMs: number | undefined): Map<string, OnReading> {
  const devices = new Map<string, { device?: OnReading; channels: Map<string, OnReading> }>();
  for (const b of bound) {
    const key = noDataKey(b);
    const initial = resumeAfterDowntime(ctx.keeper.initial<NoDataState>(key), downtimeMs, ctx.now);
    const h = noDataInstance(b, ctx, initial);
    const e = devices.get(b.device) ?? { channels: new Map<string, OnReading>() };
    if (b.pollutant === undefined) e.device = h;
    else e.channels.set(b.pollutant, h);
    devices.set(b.device, e);
  }
  const out = new Map<string, OnReading>();
  for (const [device, { device: onDevice, channels }] of devices) {
    if (channels.size === 0) {
      if (onDevice) out.set(device, onDevice);
      continue;
    }
    out.set(device, (r, now) => {
      onDevice?.(r, now);
      channels.get(r.pollutant)?.(r, now);
    });
  }
  return out;
}

