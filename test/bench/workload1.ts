import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from '../../gateway/registry/schema.js';
import type { BenchContext, Budget } from './context.js';
import { closeSession, describeStep, openSession, runStep, searchRate, type BrokerKind, type StepResult } from './ingest.js';
import type { Shape } from './load.js';
import { analyzeProfile, type ProfileSummary } from './profile.js';

export interface BrokerRuns {
  broker: BrokerKind;
  /** the search steps */
  steps: StepResult[];
  /** the sustained-rate run (full: confirmMs at the rate found, in a fresh gateway process) */
  confirm?: StepResult;
  /** peak RSS of the gateway process of the confirm run (getrusage maxrss) */
  peakRss?: number;
}

/** A thread (or broker process) other than the gateway's main thread, from its own CPU profile. */
export interface ThreadProfile {
  file: string;
  busyMs: number;
  /** the stage with most of its time */
  topStage: string;
  /** it runs the broker (most of its time is MQTT broker code) */
  broker: boolean;
}

export interface ShapeResult {
  shape: Shape;
  aedes: BrokerRuns;
  /** the deployment broker (Mosquitto with the shipped configuration); no steps when it did not run */
  mosquitto: BrokerRuns;
  /** the gateway's main thread during the profiled step */
  profile?: ProfileSummary;
  /** the other profiled threads and processes (a broker or decode worker, a broker child process) */
  threads?: ThreadProfile[];
  /** the profiled step: its broker, rate and CPU figures */
  profiledStep?: StepResult;
  /** readings the gateway received during the profiled step (for time per reading) */
  profiledReadings?: number;
}

export interface Workload1Result {
  shapes: ShapeResult[];
}

interface Profiled {
  step: StepResult;
  dir: string;
}

/**
 * Shape by shape and broker by broker (the deployment broker first): a rate search, then the
 * sustained run in a fresh gateway process (full shape) and a profiled run at that rate on the
 * deployment broker (the embedded one when Mosquitto does not run). --quick: one process searches,
 * confirms and is profiled.
 */
export async function workload1(ctx: BenchContext, b: Budget, registry: Registry): Promise<Workload1Result> {
  const shapes: ShapeResult[] = [];
  for (const shape of b.shapes) {
    ctx.log(`workload 1 (${shape === 'full' ? "a station's full channel set per message" : 'one reading per message'})`);
    const result: ShapeResult = { shape, aedes: { broker: 'aedes', steps: [] }, mosquitto: { broker: 'mosquitto', steps: [] } };
    const brokers: BrokerKind[] = ctx.mosquitto ? ['mosquitto', 'aedes'] : ['aedes'];
    let profiled: Profiled | undefined;
    for (const broker of brokers) {
      const profile = shape === 'full' && broker === brokers[0];
      const dir = join(ctx.outDir, 'profiles', `${shape}-${broker}`);
      if (profile) mkdirSync(dir, { recursive: true });
      const runs = broker === 'aedes' ? result.aedes : result.mosquitto;
      const step = await searchAndConfirm(ctx, b, registry, shape, runs, profile ? dir : undefined);
      if (step) profiled = { step, dir };
    }
    if (profiled) {
      const p = analyzeProfiles(profiled.dir, profiled.step.hrWindow);
      Object.assign(result, { profile: p.main, threads: p.threads, profiledStep: profiled.step, profiledReadings: profiled.step.received });
    }
    shapes.push(result);
  }
  return { shapes };
}

const round500 = (x: number) => Math.max(500, Math.round(x / 500) * 500);

/** Search, confirm (full shape) and profile on one broker; returns the profiled step. */
async function searchAndConfirm(ctx: BenchContext, b: Budget, registry: Registry, shape: Shape, runs: BrokerRuns, profileDir: string | undefined): Promise<StepResult | undefined> {
  const { broker } = runs;
  const profArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : undefined;
  // one reading per message costs more per reading: start lower
  const start = shape === 'single' ? round500(b.rampStart / 4) : b.rampStart;
  let s = await openSession(ctx, registry, broker, shape, `${shape}_${broker}_ramp`, { nodeArgs: ctx.quick ? profArgs : undefined });
  let rate: number;
  let profiled: StepResult | undefined;
  try {
    const best = await searchRate(ctx, s, start, b.rampStepMs, b.rampMaxSteps, runs.steps, { cap: b.rampCap, deadline: Date.now() + b.searchMs });
    rate = best ?? round500(Math.min(...runs.steps.map((x) => x.target)) / 2);
    if (ctx.quick) {
      runs.confirm = await runStep(ctx, s, rate, b.confirmMs);
      if (profArgs) profiled = runs.confirm;
    }
  } finally {
    const final = await closeSession(ctx, s);
    if (ctx.quick) runs.peakRss = final?.maxRss;
  }
  const mb = () => ((runs.peakRss ?? NaN) / 2 ** 20).toFixed(0);
  if (ctx.quick && runs.confirm) ctx.log(`  confirm: ${describeStep(runs.confirm)}, peak RSS ${mb()} MB`);
  // the one-reading shape is searched only: its 60 s run would not fit the run's time budget
  for (let attempt = 0; !ctx.quick && shape === 'full' && attempt < 3; attempt++) {
    s = await openSession(ctx, registry, broker, shape, `${shape}_${broker}_confirm${attempt}`);
    try {
      runs.confirm = await runStep(ctx, s, rate, b.confirmMs);
    } finally {
      runs.peakRss = (await closeSession(ctx, s))?.maxRss;
    }
    ctx.log(`  confirm: ${describeStep(runs.confirm)}, peak RSS ${mb()} MB`);
    if (runs.confirm.sustained) break;
    rate = round500(rate * 0.8);
  }
  if (profArgs && !ctx.quick) {
    const p = await openSession(ctx, registry, broker, shape, `${shape}_${broker}_profile`, { nodeArgs: profArgs });
    try {
      profiled = await runStep(ctx, p, runs.confirm?.target ?? rate, b.profileMs);
      ctx.log(`  profiled: ${describeStep(profiled)}`);
    } finally {
      await closeSession(ctx, p);
    }
  }
  return profiled;
}

/**
 * One profile per thread and process (node --cpu-prof names them CPU.<date>.<time>.<pid>.<thread>.<seq>):
 * the gateway's main thread is thread 0 of the largest; every other one (a worker thread, a broker
 * child process that inherited the flag) is summarised and marked when it runs the broker.
 */
export function analyzeProfiles(dir: string, window: [number, number]): { main?: ProfileSummary; threads: ThreadProfile[] } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, path: join(dir, f), size: statSync(join(dir, f)).size, thread: /\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1] }))
    .sort((a, c) => c.size - a.size);
  const mainFile = files.find((x) => x.thread === '0') ?? files[0];
  const main = mainFile ? analyzeProfile(mainFile.path, window) : undefined;
  const threads = files
    .filter((x) => x !== mainFile)
    .map((x) => {
      const p = analyzeProfile(x.path, window);
      const top = p.byStage[0]?.name ?? 'idle';
      return { file: x.path, busyMs: p.busyMs, topStage: top, broker: top.startsWith('MQTT broker') };
    })
    .filter((t) => t.busyMs > 1);
  return { main, threads };
}

/** The best sustained confirm run over both shapes and brokers (readings/s), for the targets. */
export function bestSustained(w: Workload1Result, broker?: BrokerKind): StepResult | undefined {
  const runs = w.shapes.flatMap((s) => [s.aedes.confirm, s.mosquitto.confirm]).filter((r): r is StepResult => r?.sustained === true && (broker === undefined || r.broker === broker));
  return runs.sort((a, b) => b.offered - a.offered)[0];
}
