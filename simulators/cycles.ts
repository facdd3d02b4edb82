import type { Registry } from '../gateway/registry/schema.js';

/** How simulated time maps to the wall clock (simulators/clock.ts SimClock); identity by default. */
export interface TimeScale {
  readonly speed: number;
  /** the wall-clock instant at which simulated time reaches `simMs` */
  wallAt(simMs: number): number;
}

export const REAL_TIME: TimeScale = { speed: 1, wallAt: (simMs) => simMs };

/** [0, 1) from a string, so that the analysers of the park do not all measure at the same instant. */
function phaseOf(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/**
 * Measurement cycles of the park's online analysers (COD, NH3-N, TP, TN: one measurement every 30-60
 * min, as the register maps' `cycleMs` say for every channel with a sample-time register). A channel on a
 * cycle shows the value of its last measurement until the next one, and its sample time (HJ 212-2017
 * `xxxxxx-SampleTime`) is the moment of that measurement. Cycles run in simulated time, so a demo at
 * speed x measures x times as often on the wall clock; sample times are wall-clock instants (a data
 * logger's clock), whole seconds as in the register.
 *
 * `trigger` starts a measurement now (an analyser's on-demand measurement, as after a scenario changes
 * the water): it is at least one second of wall time after the previous one, so that its sample time
 * differs from it.
 */
export class AnalyserCycles {
  private readonly cycles = new Map<string, { cycleMs: number; offset: number }>();
  private readonly triggers = new Map<string, number[]>();

  constructor(
    registry: Registry,
    private readonly scale: TimeScale = REAL_TIME,
  ) {
    for (const site of registry.sites) {
      for (const d of site.devices) {
        if (d.kind !== 'modbus') continue;
        for (const c of registry.inputs.modbus.maps[d.map]?.channels ?? []) {
          if (!c.sampleTime || c.cycleMs === undefined) continue;
          const key = `${site.id}/${c.pollutant}`;
          this.cycles.set(key, { cycleMs: c.cycleMs, offset: Math.floor(phaseOf(key) * c.cycleMs) });
        }
      }
    }
  }

  sampled(site: string, pollutant: string): boolean {
    return this.cycles.has(`${site}/${pollutant}`);
  }

  /** simulated time of the last measurement at or before `at`; undefined for a channel not on a cycle */
  measuredAt(site: string, pollutant: string, at: number): number | undefined {
    const key = `${site}/${pollutant}`;
    const c = this.cycles.get(key);
    if (!c) return undefined;
    let last = Math.floor((at - c.offset) / c.cycleMs) * c.cycleMs + c.offset;
    for (const t of this.triggers.get(key) ?? []) if (t <= at && t > last) last = t;
    return last;
  }

  /** wall-clock epoch ms (whole seconds) of the last measurement, as the sample-time register holds it */
  sampleTime(site: string, pollutant: string, at: number): number | undefined {
    const m = this.measuredAt(site, pollutant, at);
    return m === undefined ? undefined : Math.floor(this.scale.wallAt(m) / 1000) * 1000;
  }

  /**
   * A channel's analyser measures at `at` (now, or a moment ahead); returns the simulated time of that
   * measurement, undefined for a channel not on a cycle.
   */
  trigger(site: string, pollutant: string, at: number): number | undefined {
    const key = `${site}/${pollutant}`;
    if (!this.cycles.has(key)) return undefined;
    const second = 1000 * this.scale.speed; // one second of wall time, in simulated time
    const pending = this.triggers.get(key) ?? [];
    // a measurement within a second of this one: this one comes a second after it (its own sample time)
    const near = [this.measuredAt(site, pollutant, at)!, ...pending].filter((t) => Math.abs(t - at) < second);
    const t = near.length > 0 ? Math.max(at, Math.max(...near) + second) : at;
    this.triggers.set(key, [...pending, t].sort((a, b) => a - b).slice(-4));
    return t;
  }
}
