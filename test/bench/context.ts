import type { RunningInflux } from '../helpers/influx.js';
import type { Publishers } from './system.js';

/** What every workload gets from the harness. */
export interface BenchContext {
  quick: boolean;
  influx: RunningInflux;
  publishers: Publishers;
  /** the machine's Mosquitto (external broker; used with unique topic prefixes, never stopped); '' when unreachable */
  mosquittoUrl: string;
  /** where raw outputs go (git-ignored): profiles, JSON */
  outDir: string;
  /** unique per run, for topic prefixes, client ids and databases */
  runTag: string;
  log(msg: string): void;
}

/** Durations and search bounds of the two modes: --quick (a smoke run of 2-3 min) and the full run (~15 min). */
export interface Budget {
  ceilingMs: number;
  rampStepMs: number;
  rampMaxSteps: number;
  confirmMs: number;
  mosquittoMs: number;
  profileMs: number;
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
    confirmMs: d(b.confirmMs),
    mosquittoMs: d(b.mosquittoMs),
    profileMs: d(b.profileMs),
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
        rampStepMs: 4000,
        rampMaxSteps: 2,
        confirmMs: 6000,
        mosquittoMs: 4000,
        profileMs: 0,
        alertEvents: 40,
        modbusMeasureMs: 5000,
        modbusLadder: [47, 400],
        noderedStepMs: 4000,
        noderedMaxSteps: 2,
        noderedLatencyEvents: 15,
      }
    : {
        ceilingMs: 20_000,
        rampStepMs: 10_000,
        rampMaxSteps: 5,
        confirmMs: 60_000,
        mosquittoMs: 30_000,
        profileMs: 15_000,
        alertEvents: 200,
        modbusMeasureMs: 15_000,
        modbusLadder: [47, 250, 500, 1000, 2000],
        noderedStepMs: 10_000,
        noderedMaxSteps: 4,
        noderedLatencyEvents: 100,
      };
}
