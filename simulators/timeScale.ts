import type { Registry } from '../gateway/registry/schema.js';

/**
 * The registry with every rule duration, dry period, verification period and shut-off delay divided by
 * `speed`, and every analyser's measurement cycle (a channel's `cycleMs`) with them, so that a scenario
 * whose rules take hours plays in minutes. Clock-hour and daily means keep the
 * real clock; poll intervals are unchanged.
 */
export function scaleTime(registry: Registry, speed: number): Registry {
  if (speed === 1) return registry;
  const r = structuredClone(registry);
  const k = (ms: number) => Math.max(1, Math.round(ms / speed));
  r.rules = r.rules.map((rule) => {
    const out = { ...rule, verificationMs: k(rule.verificationMs) };
    if ('durationMs' in out) out.durationMs = k(out.durationMs);
    if ('dryPeriodMs' in out) out.dryPeriodMs = k(out.dryPeriodMs);
    if ('windowMs' in out) out.windowMs = k(out.windowMs);
    if ('firstFlushMs' in out) out.firstFlushMs = k(out.firstFlushMs);
    if ('rainEventGapMs' in out) out.rainEventGapMs = k(out.rainEventGapMs);
    return out;
  });
  // analysers measure `speed` times as often (the simulators' cycles run on simulated time): so do their no-data watches
  for (const m of Object.values(r.inputs.modbus.maps)) for (const c of m.channels) if (c.cycleMs !== undefined) c.cycleMs = k(c.cycleMs);
  for (const s of r.sites) if (s.interlock) s.interlock = { ...s.interlock, shutOffDelayMs: k(s.interlock.shutOffDelayMs) };
  return r;
}
