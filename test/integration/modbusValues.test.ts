import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadingSchema } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { registryFor, run, until, type Run } from './modbusHarness.js';

/** One site per register map: ro-station-a/b on their own TCP lines, wp-pipe-a/b behind tcp-rack-1, wp-pipe-c on the RS-485 line. */
const SITES: Record<string, { device: string; map: string }> = {
  'RO-01': { device: 'RO-01-M', map: 'ro-station-a' },
  'RO-02': { device: 'RO-02-M', map: 'ro-station-b' },
  'WP-01': { device: 'WP-01-M', map: 'wp-pipe-a' },
  'WP-02': { device: 'WP-02-M', map: 'wp-pipe-b' },
  'WP-35': { device: 'WP-35-M', map: 'wp-pipe-c' },
};

/** Fixed values, each representable in every map's scaled integer registers. */
const VALUES: Record<string, number> = { w01001: 7.31, w01018: 187.5, w21003: 16.3, w01014: 512.3, w99001: 0.36, w00000: 4.2, w21011: 2.9, w21001: 35.1 };

describe('Modbus input against the simulators: every register map', () => {
  let base: Registry;
  let r: Run;

  beforeAll(async () => {
    base = loadRegistry();
    const registry = registryFor(base, Object.keys(SITES), (d) => {
      d.intervalMs = 300;
      d.timeoutMs = 2000;
    });
    r = await run(registry, (signals) => {
      for (const site of Object.keys(SITES)) for (const [p, v] of Object.entries(VALUES)) signals.set(site, p, v);
      signals.setValve('WP-02', false);
    });
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('reads every channel of every map with the value the simulator serves', async () => {
    for (const [site, { device, map }] of Object.entries(SITES)) {
      const channels = base.inputs.modbus.maps[map]!.channels;
      await until(() => r.polls(device) >= 2 && channels.every((c) => r.latest(device, c.pollutant)), `a full poll of ${device}`);
      for (const c of channels) {
        const got = r.latest(device, c.pollutant)!;
        expect(ReadingSchema.parse(got)).toEqual(got);
        expect(got).toMatchObject({ site, device, source: 'modbus', flag: 'N', unit: base.pollutants[c.pollutant]!.unit });
        const why = `${map} ${c.pollutant} (${c.type} ${c.order})`;
        if (c.pollutant === 'w99002') expect(got.value, why).toBe(site === 'WP-02' ? 0 : 1);
        else if (c.pollutant === 'w00001') expect(Math.abs(got.value - r.signals.value(site, 'w00001')), why).toBeLessThan(1);
        else if (site === 'WP-02' && c.pollutant === 'w00000') expect(got.value, why).toBe(0); // valve shut: no flow
        else if (c.type === 'float32') expect(got.value, why).toBe(Math.fround(VALUES[c.pollutant]!));
        else expect(got.value, why).toBeCloseTo(VALUES[c.pollutant]!, 9);
      }
    }
    expect(r.deadLetters.total()).toBe(0);
  });

  it('follows a changed value', async () => {
    r.signals.set('RO-02', 'w01018', 321.25);
    await until(() => r.latest('RO-02-M', 'w01018')?.value === 321.25, 'RO-02 COD 321.25');
    r.signals.set('WP-35', 'w01001', 6.05);
    await until(() => r.latest('WP-35-M', 'w01001')?.value === 6.05, 'WP-35 pH 6.05');
  });

  it('a status-word flag reaches the readings (every map, TCP and RTU)', async () => {
    for (const site of Object.keys(SITES)) r.signals.setFlag(site, 'C');
    const flagged = (device: string) => r.readings.some((x) => x.device === device && x.flag === 'C');
    for (const { device } of Object.values(SITES)) await until(() => flagged(device), `flag C from ${device}`);
    const mark = r.readings.length;
    await until(() => Object.values(SITES).every(({ device }) => r.readings.slice(mark).filter((x) => x.device === device).length > 0), 'another poll of every device');
    expect(r.readings.slice(mark).every((x) => x.flag === 'C')).toBe(true);

    r.signals.setFlag('RO-01', 'D');
    await until(() => r.latest('RO-01-M', 'w01001')?.flag === 'D', 'flag D from RO-01');
    for (const site of Object.keys(SITES)) r.signals.setFlag(site, 'N');
    for (const { device } of Object.values(SITES)) await until(() => r.latest(device, 'w01001')?.flag === 'N', `flag N again from ${device}`);
  });

  it('a NaN float is dead-lettered and the other channels keep coming', async () => {
    r.signals.set('RO-01', 'w21003', NaN);
    await until(() => r.deadLetters.counts()['non-finite-value'] !== undefined, 'a non-finite-value dead letter');
    const letter = r.deadLetters.recent().find((d) => d.reason === 'non-finite-value')!;
    expect(letter).toMatchObject({ source: 'modbus', raw: '7fc0 0000' });
    expect(letter.where).toContain('RO-01-M (unit 1 on tcp-RO-01) holding 4');
    const mark = r.readings.length;
    await until(() => r.readings.slice(mark).filter((x) => x.device === 'RO-01-M').length >= 10, 'two more RO-01 polls');
    const after = r.readings.slice(mark).filter((x) => x.device === 'RO-01-M');
    expect(after.some((x) => x.pollutant === 'w21003')).toBe(false);
    expect(after.some((x) => x.pollutant === 'w01018')).toBe(true);
    r.signals.set('RO-01', 'w21003', 0.5);
  });
});
