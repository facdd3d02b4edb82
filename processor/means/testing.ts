import { readFileSync } from 'node:fs';
import { NEVER, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Rejection } from '../operators/validate.js';
import { createRuleEngine, type RuleEngine } from '../rules/engine.js';
import type { RuleEvent } from '../rules/schema.js';
import { createStateKeeper } from '../rules/stateKeeper.js';
import { memoryRuleState } from '../rules/testing.js';
import type { SeriesMean } from './index.js';

export const HOUR = 3_600_000;

/** a batch of readings arriving at scheduler time `at` */
export interface Arrival {
  at: number;
  readings: Reading[];
}

/**
 * Runs the rule engine on virtual time (TestScheduler, which starts at 0: readings are stamped in epoch
 * ms near 0) until `until`, with the batches arriving when they say. Returns its events, the means it
 * handed to the sink, and its counters.
 */
export function runEngine(registry: Registry, arrivals: Arrival[], until: number): { events: RuleEvent[]; means: SeriesMean[]; engine: RuleEngine } {
  const events: RuleEvent[] = [];
  const means: SeriesMean[] = [];
  let engine!: RuleEngine;
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.maxFrames = until + 1;
  scheduler.run(({ flush }) => {
    const batches = new Subject<readonly Reading[]>();
    engine = createRuleEngine({ registry, readings$: batches, rejections$: NEVER as Observable<Rejection>, keeper: createStateKeeper(memoryRuleState()), scheduler, onMeans: (m) => means.push(...m) });
    const sub = engine.events$.subscribe((e) => events.push(e));
    for (const a of arrivals) scheduler.schedule(() => batches.next(a.readings), a.at);
    scheduler.schedule(() => sub.unsubscribe(), until);
    flush();
  });
  return { events, means, engine };
}

export const pipeReading = (site: string, pollutant: string, value: number, ts: number, flag: Reading['flag'] = 'N'): Reading => ({
  site,
  device: `${site}-M`,
  pollutant,
  value,
  unit: pollutant === 'w00000' ? 'L/s' : 'mg/L',
  ts,
  flag,
  source: 'hj212',
});

/** the registry with every device of `site` reporting every `intervalMs` (an analyser's cycle) */
export function withInterval(registry: Registry, site: string, intervalMs: number): Registry {
  const r = structuredClone(registry);
  for (const s of r.sites) if (s.id === site) for (const d of s.devices) d.intervalMs = intervalMs;
  // the analysers then report on the device's interval, not on a measurement cycle of their own
  for (const m of Object.values(r.inputs.modbus.maps)) for (const c of m.channels) delete c.cycleMs;
  return r;
}

/** test/fixtures/means-flow-weighted/input.json: a pipe's day, per hour each slice's concentration, flow (L/s) and flag */
export interface MeansFixtureInput {
  site: string;
  pollutant: string;
  sliceMs: number;
  dayStart: number;
  hours: { hour: number; slices: [number, number, Reading['flag']][] }[];
}

/** a file of the hand-computed means fixture (input.json, expected.json) */
export const meansFixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../test/fixtures/means-flow-weighted/${name}`, import.meta.url), 'utf8')) as T;
