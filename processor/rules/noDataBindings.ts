import type { Registry, Site } from '../../gateway/registry/schema.js';
import type { Rule } from './schema.js';

type NoDataRule = Extract<Rule, { type: 'no-data' }>;

/** A no-data watch: a device, or one channel of it with a reporting cycle of its own (noDataWatch.ts). */
export interface BoundDevice {
  site: Site;
  device: string;
  timeoutMs: number;
  rule: NoDataRule;
  /** the channel watched on its own cycle; the whole device when absent */
  pollutant?: string;
  cycleMs?: number;
}

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
