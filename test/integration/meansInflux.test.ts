import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { HOUR, meansFixture, pipeReading, runEngine, withInterval, type MeansFixtureInput } from '../../processor/means/testing.js';
import { createInfluxSink } from '../../processor/sinks/influx/index.js';
import { writeMeans } from '../../processor/sinks/influx/means.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

const log = createLogger('means-influx-test', 'silent');
let influx: RunningInflux;
const dirs: string[] = [];

beforeAll(async () => {
  influx = await startInflux({ database: 'means_test' });
});
afterAll(async () => {
  await influx?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('valid means in InfluxDB (measurement `means`)', () => {
  it('the engine’s hourly and daily means reach a real influxd in their own measurement, a revision replacing the stored mean', async () => {
    const input = meansFixture<MeansFixtureInput>('input.json');
    const registry = withInterval(loadRegistry(), 'WP-01', input.sliceMs);
    registry.rules = registry.rules.filter((r) => r.type !== 'no-data' && r.type !== 'flatline');
    const arrivals = input.hours.flatMap((h) =>
      h.slices.map(([c, q, flag], i) => {
        const ts = input.dayStart + h.hour * HOUR + i * input.sliceMs;
        return { at: ts, readings: [pipeReading('WP-01', 'w01018', c, ts, flag), pipeReading('WP-01', 'w00000', q, ts)] };
      }),
    );
    // the logger re-sends the invalid hour's four missing slices the next day (valid: 1000 mg/L at 10 L/s)
    const hour1 = input.dayStart + HOUR;
    const resend = { at: input.dayStart + 26 * HOUR, readings: [0, 1, 3, 5].flatMap((i) => [pipeReading('WP-01', 'w01018', 1000, hour1 + i * 600_000 + 1), pipeReading('WP-01', 'w00000', 10, hour1 + i * 600_000 + 1)]) };
    const { means } = runEngine(registry, [...arrivals, resend], input.dayStart + 27 * HOUR);
    expect(means.some((m) => m.revision === 1)).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'means-influx-'));
    dirs.push(dir);
    const sink = createInfluxSink({ url: influx.url, database: influx.database, registry, log, flushMs: 50, backoff: { initialMs: 50, maxMs: 200 }, spool: { dir } });
    sink.start();
    const write = writeMeans(sink, log);
    // in the order the engine judged them: the hour and day first, their revisions a day later
    for (const m of means) write([m]);
    await sink.stop();
    expect(sink.counters).toMatchObject({ writeErrors: 0, pointsRejected: 0, readingsRejected: 0 });

    const q = <T = Record<string, unknown>>(s: string) => influx.query<T>(s);
    expect((await q<{ name: string }>('SHOW MEASUREMENTS')).map((r) => r.name)).toContain('means');
    const hours = await q(`SELECT * FROM means WHERE site = 'WP-01' AND pollutant = 'w01018' AND period = 'hour'`);
    expect(hours).toHaveLength(22);
    expect(hours[0]).toMatchObject({ time: input.dayStart, value: expect.closeTo(140, 9), valid: true, n: 5, flowWeighted: true, volume: expect.closeTo(45, 9), excluded_C: 1, revision: 0 });
    // the invalid hour, re-judged after back-fill: one point (the revision replaced it), now valid
    expect(hours[1]).toMatchObject({ time: hour1, value: expect.closeTo(1000, 9), valid: true, n: 6, revision: 1, backfill: true, excluded_M: 3, excluded_D: 1 });
    const [day] = await q<{ value: number; valid: boolean; validHours: number; revision: number }>(`SELECT * FROM means WHERE site = 'WP-01' AND pollutant = 'w01018' AND period = 'day'`);
    // the re-judged day now has 22 valid hours: (78.3 + 1000 × 36 × 10⁻³) kg / (765 + 36) m³
    expect(day).toMatchObject({ valid: true, validHours: 22, revision: 1 });
    expect(day!.value).toBeCloseTo(((78.3 + 36) / 801) * 1e3, 6);
  });
});
