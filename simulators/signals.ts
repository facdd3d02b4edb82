import type { QualityFlag } from '../gateway/model/reading.js';
import type { Registry, SiteKind } from '../gateway/registry/schema.js';
import { AnalyserCycles, REAL_TIME, type TimeScale } from './cycles.js';

/** Baseline of one channel: mean, diurnal amplitude (fraction of mean, peak mid-afternoon) and noise (fraction). */
interface Baseline {
  mean: number;
  diurnal: number;
  noise: number;
}

/** Realistic, within-limit defaults for a dry November day (rain outlets carry no flow in dry weather). */
const BASELINES: Record<SiteKind, Record<string, Baseline>> = {
  rain_outlet: {
    w01001: { mean: 7.3, diurnal: 0.01, noise: 0.01 },
    w01018: { mean: 14, diurnal: 0.1, noise: 0.08 },
    w21003: { mean: 0.45, diurnal: 0.1, noise: 0.08 },
    w01014: { mean: 420, diurnal: 0.05, noise: 0.03 },
    w99001: { mean: 0.02, diurnal: 0, noise: 0.1 },
    w00000: { mean: 0, diurnal: 0, noise: 0 },
  },
  wastewater_pipe: {
    w00000: { mean: 5, diurnal: 0.4, noise: 0.05 },
    w01018: { mean: 210, diurnal: 0.15, noise: 0.06 },
    w21003: { mean: 18, diurnal: 0.15, noise: 0.06 },
    w21011: { mean: 3.2, diurnal: 0.1, noise: 0.06 },
    w21001: { mean: 38, diurnal: 0.1, noise: 0.05 },
    w01001: { mean: 7.6, diurnal: 0.02, noise: 0.01 },
    // characteristic pollutants (GB 21900-2008 electroplating, GB 4287-2012 dyeing): only the sites that report them
    w20116: { mean: 0.25, diurnal: 0.2, noise: 0.1 },
    w20117: { mean: 0.04, diurnal: 0.2, noise: 0.1 },
    w20121: { mean: 0.12, diurnal: 0.2, noise: 0.1 },
    w99003: { mean: 40, diurnal: 0.2, noise: 0.05 },
    w99004: { mean: 0, diurnal: 0, noise: 0 },
    w99005: { mean: 0.03, diurnal: 0.2, noise: 0.1 },
  },
  air_fence: {
    a24088: { mean: 1.2, diurnal: 0.3, noise: 0.1 },
    a21028: { mean: 0.012, diurnal: 0.3, noise: 0.15 },
    a21001: { mean: 0.3, diurnal: 0.3, noise: 0.1 },
    a99001: { mean: 11, diurnal: 0.2, noise: 0.1 },
  },
  weather: {
    a01007: { mean: 2.4, diurnal: 0.4, noise: 0.15 },
    a01008: { mean: 135, diurnal: 0.15, noise: 0.05 },
    a01001: { mean: 11, diurnal: 0.35, noise: 0.02 },
    a01002: { mean: 70, diurnal: -0.15, noise: 0.03 },
    a99002: { mean: 0, diurnal: 0, noise: 0 },
  },
};

/**
 * Sites whose enterprise has its own, stricter limit (registry enterprises[].limits): their baseline sits
 * within it (华瑞电镀 COD 300, 鑫源印染 COD 200 under GB 4287-2012), with room below the 80 % warning.
 */
const SITE_BASELINES: Record<string, Record<string, Baseline>> = {
  'WP-10': { w01018: { mean: 110, diurnal: 0.15, noise: 0.06 }, w20117: { mean: 0, diurnal: 0, noise: 0 } },
  'WP-13': { w01018: { mean: 150, diurnal: 0.15, noise: 0.06 } },
};

/**
 * A broken answer from a Modbus device: 'bad-crc' (RTU: the right response with a wrong CRC),
 * 'short-frame' (a truncated response), 'reset' (TCP: the connection is destroyed on its request).
 */
export type ModbusFault = 'bad-crc' | 'short-frame' | 'reset';

type Override =
  | { kind: 'set'; value: number }
  | { kind: 'ramp'; from: number; to: number; start: number; durationMs: number };

/** Deterministic noise in [-1, 1] from a string and a time slot (same instant → same value on every read). */
function noise(key: string, slot: number): number {
  let h = 2166136261 ^ slot;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return ((h ^ (h >>> 16)) >>> 0) / 0x7fffffff - 1;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CST = 8 * HOUR; // park local time, UTC+8

/**
 * The park's physical signals, shared by every simulator. Values follow a diurnal pattern plus noise;
 * scenarios override them (set, ramp), change flags, silence a device, or make it send garbage.
 * The clock is injected so a scenario can run simulated time faster.
 */
export class ParkSignals {
  private readonly kinds = new Map<string, SiteKind>();
  /** per series, the overrides in the order they were made, each from `since` (undefined: back to the baseline) */
  private readonly overrides = new Map<string, { since: number; o: Override | undefined }[]>();
  private readonly flags = new Map<string, QualityFlag>();
  private readonly silent = new Set<string>();
  private readonly garbage = new Set<string>();
  private readonly faults = new Map<string, ModbusFault>();
  private readonly valves = new Map<string, boolean>();
  private readonly totals = new Map<string, { at: number; m3: number }>();
  private readonly cycles: AnalyserCycles;

  /** `scale`: how simulated time (`now`) maps to the wall clock, for analysers' sample times */
  constructor(
    registry: Registry,
    readonly now: () => number = Date.now,
    scale: TimeScale = REAL_TIME,
  ) {
    for (const s of registry.sites) this.kinds.set(s.id, s.kind);
    this.cycles = new AnalyserCycles(registry, scale);
  }

  /**
   * Current value of a channel at a site. An analyser on a measurement cycle (cycles.ts) shows the value
   * of its last measurement.
   */
  value(site: string, pollutant: string, at = this.now()): number {
    const kind = this.kinds.get(site);
    if (!kind) throw new Error(`simulator: unknown site ${site}`);
    at = this.cycles.measuredAt(site, pollutant, at) ?? at;
    if (pollutant === 'w99002') return this.valveOpen(site) ? 1 : 0;
    if (pollutant === 'w00001') return this.cumulative(site, at);
    if (kind === 'wastewater_pipe' && pollutant === 'w00000' && !this.valveOpen(site)) return 0;
    const o = this.overrideAt(`${site}/${pollutant}`, at);
    if (o?.kind === 'set') return o.value;
    if (o?.kind === 'ramp') return o.from + (o.to - o.from) * Math.min(1, Math.max(0, (at - o.start) / o.durationMs));
    const b = SITE_BASELINES[site]?.[pollutant] ?? BASELINES[kind][pollutant];
    if (!b) return 0;
    const phase = (((at + CST) % DAY) / DAY) * 2 * Math.PI;
    const diurnal = 1 + b.diurnal * Math.sin(phase - Math.PI / 2 - Math.PI / 6); // low before dawn, peak ~15:00
    const v = b.mean * diurnal * (1 + b.noise * noise(`${site}/${pollutant}`, Math.floor(at / 1000)));
    return pollutant === 'a01008' ? ((v % 360) + 360) % 360 : Math.max(0, v);
  }

  /** HJ 212 flag for a site's channel ('N' unless a scenario set one). */
  flag(site: string, pollutant?: string): QualityFlag {
    return (pollutant && this.flags.get(`${site}/${pollutant}`)) || this.flags.get(site) || 'N';
  }

  /** the override in force at `at` (an analyser's last measurement may predate the newest one) */
  private overrideAt(key: string, at: number): Override | undefined {
    const list = this.overrides.get(key);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.since <= at) return list[i]!.o;
    return undefined;
  }

  /** an override from now on, or, for an analyser on a cycle, from the measurement it triggers */
  private override(site: string, pollutant: string, o: Override | undefined): void {
    const key = `${site}/${pollutant}`;
    const since = this.cycles.trigger(site, pollutant, this.now()) ?? this.now();
    this.overrides.set(key, [...(this.overrides.get(key) ?? []), { since, o }].slice(-8));
  }

  /** Wall-clock epoch ms (whole seconds) of an analyser's last measurement; undefined for a channel not on a cycle. */
  sampleTime(site: string, pollutant: string, at = this.now()): number | undefined {
    return this.cycles.sampleTime(site, pollutant, at);
  }

  /** An analyser on a cycle measures at once (on demand), so a changed value shows without waiting a cycle. */
  set(site: string, pollutant: string, value: number): void {
    this.override(site, pollutant, { kind: 'set', value });
  }

  ramp(site: string, pollutant: string, to: number, durationMs: number): void {
    const from = this.value(site, pollutant);
    this.override(site, pollutant, { kind: 'ramp', from, to, start: this.now(), durationMs });
    // an analyser also measures once the ramp has reached `to`
    this.cycles.trigger(site, pollutant, this.now() + durationMs);
  }

  /** back to the baseline pattern (one channel or the whole site); its analysers measure at once */
  clear(site: string, pollutant?: string): void {
    if (pollutant) this.override(site, pollutant, undefined);
    else for (const k of [...this.overrides.keys()]) if (k.startsWith(site + '/')) this.override(site, k.slice(site.length + 1), undefined);
  }

  /** flag a whole site, or one channel, e.g. 'C' during calibration; 'N' clears */
  setFlag(site: string, flag: QualityFlag, pollutant?: string): void {
    const key = pollutant ? `${site}/${pollutant}` : site;
    if (flag === 'N') this.flags.delete(key);
    else this.flags.set(key, flag);
  }

  /** a silent device does not answer (Modbus: no response; MQTT: no publish) */
  setSilent(device: string, on: boolean): void {
    if (on) this.silent.add(device);
    else this.silent.delete(device);
  }
  isSilent(device: string): boolean {
    return this.silent.has(device);
  }

  /** a garbage device answers with nonsense (MQTT: malformed payloads; Modbus: exception responses) */
  setGarbage(device: string, on: boolean): void {
    if (on) this.garbage.add(device);
    else this.garbage.delete(device);
  }
  isGarbage(device: string): boolean {
    return this.garbage.has(device);
  }

  /** a device answering with broken frames (see ModbusFault); undefined clears */
  setFault(device: string, fault: ModbusFault | undefined): void {
    if (fault) this.faults.set(device, fault);
    else this.faults.delete(device);
  }
  fault(device: string): ModbusFault | undefined {
    return this.faults.get(device);
  }

  /** 一企一管 electric valve; open by default. When shut, the pipe's flow is zero. */
  valveOpen(site: string): boolean {
    return this.valves.get(site) ?? true;
  }
  setValve(site: string, open: boolean): void {
    this.cumulative(site, this.now());
    this.valves.set(site, open);
  }

  /** totaliser (m3): integrates the flow since the simulator started */
  private cumulative(site: string, at: number): number {
    const t = this.totals.get(site) ?? { at, m3: 12_000 + (noise(site, 0) + 1) * 5_000 };
    if (at > t.at) {
      const flow = this.kinds.get(site) === 'wastewater_pipe' && !this.valveOpen(site) ? 0 : this.value(site, 'w00000', at);
      t.m3 += (flow * (at - t.at)) / 1e6; // L/s × ms → m3
      t.at = at;
    }
    this.totals.set(site, t);
    return t.m3;
  }
}
