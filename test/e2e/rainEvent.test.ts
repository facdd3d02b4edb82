import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../gateway/registry/schema.js';
import type { OutletState } from '../../processor/rules/rainMode.js';
import { fastPark, startPark, type RunningPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;
const FIRST_FLUSH = 8 * S;
const OUTLETS = ['RO-01', 'RO-02', 'RO-03', 'RO-04', 'RO-05', 'RO-06', 'RO-07', 'RO-08', 'RO-09'];

/** the first flush shortened to 8 s, outlet quality rules to 1 s */
function park(): Registry {
  return fastPark((r) => {
    r.rules = r.rules.map((rule) => {
      if (rule.type === 'exceedance' && rule.siteKind === 'rain_outlet') return { ...rule, durationMs: 1 * S, verificationMs: 10 * 60 * S };
      if (rule.type === 'dry-weather-flow') return { ...rule, durationMs: 2 * S, firstFlushMs: FIRST_FLUSH };
      if (rule.type === 'no-data') return { ...rule, missedIntervals: 20 };
      return rule;
    });
  });
}

describe('a rain event at all nine outlets on the running park', () => {
  let p: RunningPark;
  beforeAll(async () => {
    p = await startPark(park());
  }, 120_000);
  afterAll(async () => p?.close());

  it('opens no COD ticket within the first-flush allowance, then judges the wet-weather flow (COD 80 > 40) at every outlet', async () => {
    p.sims.signals.set('WS-01', 'a99002', 6);
    await p.sims.publishNow('WS-01-W');
    await waitFor(async () => (await p.influx.query<{ last: number }>(`SELECT last(value) FROM weather WHERE pollutant = 'a99002'`))[0]?.last === 6, 'the rain in InfluxDB');
    const t0 = Date.now();
    for (const o of OUTLETS) {
      p.sims.signals.set(o, 'w00000', 5);
      p.sims.signals.set(o, 'w99001', 0.3);
      p.sims.signals.set(o, 'w01018', 80);
    }
    const tickets = await waitFor(async () => {
      const all = (await p.tickets()).filter((t) => t.rule === 'ro-cod');
      return all.length === OUTLETS.length ? all : undefined;
    }, 'a ro-cod ticket at every outlet after the first flush', 60 * S);
    expect(tickets.map((t) => t.site).sort()).toEqual(OUTLETS);
    for (const t of tickets) {
      // none within the allowance: each opened after its outlet's first flush (which began with its flow, at or after t0)
      expect(t.openedAt - t0, t.site).toBeGreaterThanOrEqual(FIRST_FLUSH);
      const rain = (t.evidence.find((e) => e.kind === 'readings')!.data as { context: { rain: OutletState } }).context.rain;
      expect(rain.mode, t.site).toBe('wet');
      expect(rain.firstFlushFrom!, t.site).toBeGreaterThanOrEqual(t0);
      expect(t.openedAt - rain.firstFlushFrom!, t.site).toBeGreaterThanOrEqual(FIRST_FLUSH);
    }
    // it rains: outlet flow is no 晴天出水
    expect((await p.tickets()).filter((t) => t.rule === 'ro-dry-flow')).toEqual([]);
  });
});
