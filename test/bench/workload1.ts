import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from '../../gateway/registry/schema.js';
import type { BenchContext, Budget } from './context.js';
import { closeSession, describeStep, openSession, runStep, searchRate, type BrokerKind, type StepResult } from './ingest.js';
import type { Shape } from './load.js';
import { analyzeProfile, type ProfileSummary } from './profile.js';

export interface BrokerRuns {
  broker: BrokerKind;
  /** the search steps (aedes) or the tries (Mosquitto) */
  steps: StepResult[];
  /** the sustained-rate run in a fresh gateway process (aedes: confirmMs at the rate found) */
  confirm?: StepResult;
  /** peak RSS of the gateway process of the confirm run (getrusage maxrss) */
  peakRss?: number;
}

export interface ShapeResult {
  shape: Shape;
  aedes: BrokerRuns;
  mosquitto: BrokerRuns;
  profile?: ProfileSummary;
  /** readings published during the profiled step (for time per reading) */
  profiledReadings?: number;
}

export interface Workload1Result {
  shapes: ShapeResult[];
}

/** Shape by shape: search on the embedded broker, confirm in a fresh gateway, the same rate on Mosquitto, then a profiled run. */
export async function workload1(ctx: BenchContext, b: Budget, registry: Registry, ceiling: number): Promise<Workload1Result> {
  const shapes: ShapeResult[] = [];
  let fullBest: number | undefined;
  for (const shape of ['full', 'single'] as const) {
    ctx.log(`workload 1 (${shape === 'full' ? "a device's full channel set per message" : 'one reading per message'})`);
    // start well below what InfluxDB takes (one reading per message costs more: half the other shape's rate)
    const start = shape === 'single' && fullBest ? Math.max(2000, Math.round(fullBest / 2 / 500) * 500) : Math.max(5000, Math.min(40_000, Math.round(ceiling / 8 / 5000) * 5000));
    const profiled = !ctx.quick || shape === 'full';
    const dir = join(ctx.outDir, 'profiles', shape);
    if (profiled) mkdirSync(dir, { recursive: true });
    const profArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
    const aedes: BrokerRuns = { broker: 'aedes', steps: [] };
    let window: [number, number] | undefined;
    let profiledReadings: number | undefined;
    // --quick: one gateway process searches, confirms and is profiled; full: a fresh process for the confirm and another for the profile
    let s = await openSession(ctx, registry, 'aedes', shape, `${shape}_ramp`, { nodeArgs: ctx.quick && profiled ? profArgs : undefined });
    let rate: number;
    try {
      const best = await searchRate(ctx, s, start, b.rampStepMs, b.rampMaxSteps, aedes.steps);
      rate = best ?? Math.round(Math.min(...aedes.steps.map((x) => x.target)) / 2 / 500) * 500;
      if (ctx.quick) {
        aedes.confirm = await runStep(ctx, s, rate, b.confirmMs);
        window = aedes.confirm.hrWindow;
        profiledReadings = aedes.confirm.received;
      }
    } finally {
      const final = await closeSession(ctx, s);
      if (ctx.quick) aedes.peakRss = final?.maxRss;
    }
    for (let attempt = 0; !ctx.quick && attempt < 3; attempt++) {
      s = await openSession(ctx, registry, 'aedes', shape, `${shape}_confirm${attempt}`);
      try {
        aedes.confirm = await runStep(ctx, s, rate, b.confirmMs);
      } finally {
        aedes.peakRss = (await closeSession(ctx, s))?.maxRss;
      }
      ctx.log(`  confirm: ${describeStep(aedes.confirm)}, peak RSS ${((aedes.peakRss ?? NaN) / 2 ** 20).toFixed(0)} MB`);
      if (aedes.confirm.sustained) break;
      rate = Math.round((rate * 0.8) / 500) * 500;
    }
    if (ctx.quick && aedes.confirm) ctx.log(`  confirm: ${describeStep(aedes.confirm)}, peak RSS ${((aedes.peakRss ?? NaN) / 2 ** 20).toFixed(0)} MB`);
    if (shape === 'full' && aedes.confirm?.sustained) fullBest = aedes.confirm.target;

    // Mosquitto: one gateway process; a short search down from the embedded broker's rate, then the sustained run
    const mosquitto: BrokerRuns = { broker: 'mosquitto', steps: [] };
    if (ctx.mosquittoUrl) {
      const m = await openSession(ctx, registry, 'mosquitto', shape, `${shape}_mosq`);
      try {
        const from = aedes.confirm?.sustained ? aedes.confirm.target : rate;
        let mRate = (await searchRate(ctx, m, from, b.rampStepMs, Math.max(2, b.rampMaxSteps - 1), mosquitto.steps, 'down')) ?? Math.round(Math.min(...mosquitto.steps.map((x) => x.target)) / 2 / 500) * 500;
        for (let attempt = 0; attempt < (ctx.quick ? 1 : 2); attempt++) {
          const r = await runStep(ctx, m, mRate, b.mosquittoMs);
          mosquitto.steps.push(r);
          ctx.log(`  mosquitto: ${describeStep(r)}`);
          mosquitto.confirm = r;
          if (r.sustained) break;
          mRate = Math.round((mRate * 0.7) / 500) * 500;
        }
      } finally {
        mosquitto.peakRss = (await closeSession(ctx, m))?.maxRss;
      }
    }

    if (profiled && !ctx.quick) {
      const p = await openSession(ctx, registry, 'aedes', shape, `${shape}_profile`, { nodeArgs: profArgs });
      try {
        const r = await runStep(ctx, p, aedes.confirm?.target ?? rate, b.profileMs);
        window = r.hrWindow;
        profiledReadings = r.received;
        ctx.log(`  profiled: ${describeStep(r)}`);
      } finally {
        await closeSession(ctx, p);
      }
    }
    let profile: ProfileSummary | undefined;
    if (profiled) {
      // one profile per thread (tsx runs its loader in a worker): the main thread's is the largest
      const file = readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort((a, c) => statSync(join(dir, c)).size - statSync(join(dir, a)).size)[0];
      if (file) profile = analyzeProfile(join(dir, file), window);
    }
    shapes.push({ shape, aedes, mosquitto, profile, profiledReadings });
  }
  return { shapes };
}

/** The best sustained confirm run over both shapes and brokers (readings/s), for the targets. */
export function bestSustained(w: Workload1Result): StepResult | undefined {
  const runs = w.shapes.flatMap((s) => [s.aedes.confirm, s.mosquitto.confirm]).filter((r): r is StepResult => r?.sustained === true);
  return runs.sort((a, b) => b.offered - a.offered)[0];
}
