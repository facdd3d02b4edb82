import type { RunningInflux } from '../helpers/influx.js';
import type { MosquittoBroker } from './mosquitto.js';
import type { Publishers } from './system.js';

/** What every workload gets from the harness. */
export interface BenchContext {
  quick: boolean;
  influx: RunningInflux;
  publishers: Publishers;
  /** the deployment broker: a private Mosquitto with the shipped configuration (or --mosquitto URL); undefined when none runs */
  mosquitto?: MosquittoBroker;
  /** where raw outputs go (git-ignored): profiles, JSON */
  outDir: string;
  /** unique per run, for topic prefixes, client ids and databases */
  runTag: string;
  log(msg: string): void;
}

/** Durations and search bounds of the two modes: --quick (a smoke run of ~3 min) and the full run (~20 min). */
export interface Budget {
  ceilingMs: number;
  /** workload 1's search: first rate, doubling up to the cap, then bisecting */
  rampStart: number;
  rampCap: number;
  rampStepMs: number;
  rampMaxSteps: number;
  /** time budget of one rate search (steps are not started past it) */
  searchMs: number;
  confirmMs: number;
  /** 0: the search session itself is profiled (--quick) */
  profileMs: number;
  shapes: ('full' | 'single')[];
  /** idle memory: warm-up, then the RSS is read (the park's devices at their own intervals, nothing else) */
  idleMs: number;
  alertEvents: number;
  modbusMeasureMs: number;
  modbusLadder: number[];
  noderedStepMs: number;
  noderedMaxSteps: number;
  noderedLatencyEvents: number;
}

/**
 * `scale` shortens every duration and event count of the full run (floors: 3 s, 20 events) while
 * keeping its code paths (fresh processes for confirm and profile, bisections): a check of the harness.
 */
export function budget(quick: boolean, scale = 1): Budget {
  const b = budgetOf(quick);
  if (scale === 1) return b;
  const d = (ms: number) => (ms > 0 ? Math.max(3000, Math.round(ms * scale)) : 0);
  const n = (k: number) => Math.max(20, Math.round(k * scale));
  return {
    ...b,
    ceilingMs: d(b.ceilingMs),
    rampStepMs: d(b.rampStepMs),
    searchMs: d(b.searchMs),
    confirmMs: d(b.confirmMs),
    profileMs: d(b.profileMs),
    idleMs: d(b.idleMs),
    alertEvents: n(b.alertEvents),
    modbusMeasureMs: d(b.modbusMeasureMs),
    modbusLadder: b.modbusLadder.filter((x, i) => i < 2 || x <= 1000 * scale * 10),
    noderedStepMs: d(b.noderedStepMs),
    noderedLatencyEvents: n(b.noderedLatencyEvents),
  };
}

function budgetOf(quick: boolean): Budget {
  return quick
    ? {
        ceilingMs: 5000,
        rampStart: 20_000,
        rampCap: 160_000,
        rampStepMs: 4000,
        rampMaxSteps: 2,
        searchMs: 30_000,
        confirmMs: 6000,
        profileMs: 0,
        shapes: ['full'],
        idleMs: 10_000,
        alertEvents: 40,
        modbusMeasureMs: 5000,
        modbusLadder: [47, 400],
        noderedStepMs: 4000,
        noderedMaxSteps: 3,
        noderedLatencyEvents: 15,
      }
    : {
        ceilingMs: 20_000,
        // 10k, 20k, 40k, 80k, 160k, then bisecting to within 15 %
        rampStart: 10_000,
        rampCap: 160_000,
        rampStepMs: 10_000,
        rampMaxSteps: 8,
        searchMs: 150_000,
        confirmMs: 60_000,
        profileMs: 15_000,
        shapes: ['full', 'single'],
        idleMs: 30_000,
        alertEvents: 200,
        modbusMeasureMs: 15_000,
        modbusLadder: [47, 250, 500, 1000, 2000],
        noderedStepMs: 10_000,
        noderedMaxSteps: 8,
        noderedLatencyEvents: 100,
      };
}
