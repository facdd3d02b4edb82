import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { registryFor, run, until, type Run } from './modbusHarness.js';

// The pipe stations' analysers measure on a cycle and keep each measurement's time in a register
// (HJ 212-2017 xxxxxx-SampleTime); the gateway polls every 250 ms. Cycles shortened to 3 s here.
const CYCLE = 3000;
const DEVICES: Record<string, string> = { 'WP-01-M': 'WP-01', 'WP-02-M': 'WP-02', 'WP-35-M': 'WP-35' }; // wp-pipe-a, -b (TCP), -c (RTU)

describe('Modbus input against the simulated pipe stations: analysers on their cycles', () => {
  let r: Run;
  const of = (device: string, pollutant: string) => r.readings.filter((x) => x.device === device && x.pollutant === pollutant);

  beforeAll(async () => {
    const registry = registryFor(loadRegistry(), Object.values(DEVICES), (d) => {
      d.intervalMs = 250;
      d.timeoutMs = 2000;
    });
    for (const m of Object.values(registry.inputs.modbus.maps)) for (const c of m.channels) if (c.cycleMs !== undefined) c.cycleMs = CYCLE;
    r = await run(registry);
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('emits each analyser once per measurement, stamped with its sample time; flow on every poll', async () => {
    await until(() => Object.keys(DEVICES).every((d) => of(d, 'w01018').length >= 3), 'three COD measurements from every station', 30_000);
    for (const [device, site] of Object.entries(DEVICES)) {
      const cod = of(device, 'w01018');
      const stamps = cod.map((x) => x.ts);
      // one reading per measurement: distinct, whole seconds (the register holds epoch seconds), one cycle apart
      expect(new Set(stamps).size, device).toBe(stamps.length);
      expect(stamps.every((t) => t % 1000 === 0), device).toBe(true);
      expect(stamps.slice(1).map((t, i) => t - stamps[i]!), device).toEqual(stamps.slice(1).map(() => CYCLE));
      // the stamp is the measurement's time, not the poll's: it is the simulator's sample time
      expect(stamps.at(-1)! <= r.signals.sampleTime(site, 'w01018')!, device).toBe(true);
      // flow is real-time: a reading on every poll
      expect(of(device, 'w00000').length, device).toBeGreaterThan(3 * cod.length);
    }
    expect(r.deadLetters.total()).toBe(0);
  });

  it('a new measurement (a changed value) is emitted once, with its own sample time', async () => {
    const before = of('WP-02-M', 'w01018');
    r.signals.set('WP-02', 'w01018', 321.5);
    await until(() => of('WP-02-M', 'w01018').some((x) => x.value === 321.5), 'WP-02 COD 321.5');
    const fresh = of('WP-02-M', 'w01018').slice(before.length);
    expect(fresh[0]).toMatchObject({ value: 321.5, flag: 'N', source: 'modbus' });
    expect(fresh[0]!.ts).toBeGreaterThan(before.at(-1)!.ts);
    expect(fresh[0]!.ts % 1000).toBe(0);
    expect(fresh[0]!.ts).toBeLessThanOrEqual(Date.now());
    const stamps = of('WP-02-M', 'w01018').map((x) => x.ts);
    expect(new Set(stamps).size).toBe(stamps.length);
  });
});
