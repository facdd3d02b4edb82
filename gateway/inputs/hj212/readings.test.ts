import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../registry/loader.js';
import type { Hj212Device } from './config.js';
import { parseSegment } from '../../protocols/hj212/index.js';
import { realtimeReadings } from './readings.js';

const registry = loadRegistry();
const base = registry.sites.find((s) => s.id === 'WP-31')!.devices[0] as Hj212Device;
const logger = { site: 'WP-31', device: { ...base, factors: { '011': 'w01018' } } };
const packet = (cp: string) => {
  const r = parseSegment(`QN=20261127100000000;ST=32;CN=2011;PW=123456;MN=${base.mn};Flag=4;CP=&&${cp}&&`);
  if (!r.ok) throw new Error(r.error.detail);
  return r.packet;
};

describe('HJ 212 real-time packet → readings', () => {
  it('maps factor codes to the park codes, keeps flags (2005 P → D), stamps DataTime (UTC+8) or SampleTime', () => {
    const { readings, rejects } = realtimeReadings(packet('DataTime=20261127100000;011-Rtd=41.5,011-Flag=N;w01001-Rtd=7.2,w01001-Flag=P;w21003-SampleTime=20261127090000,w21003-Rtd=3.1'), logger, registry);
    expect(rejects).toEqual([]);
    expect(readings).toEqual([
      { site: 'WP-31', device: 'WP-31-L', pollutant: 'w01018', value: 41.5, unit: 'mg/L', ts: Date.UTC(2026, 10, 27, 2), flag: 'N', source: 'hj212' },
      { site: 'WP-31', device: 'WP-31-L', pollutant: 'w01001', value: 7.2, unit: registry.pollutants.w01001!.unit, ts: Date.UTC(2026, 10, 27, 2), flag: 'D', source: 'hj212' },
      { site: 'WP-31', device: 'WP-31-L', pollutant: 'w21003', value: 3.1, unit: 'mg/L', ts: Date.UTC(2026, 10, 27, 1), flag: 'N', source: 'hj212' },
    ]);
  });

  it('rejects an unknown factor, a bad number and a bad flag one by one; the other values stay', () => {
    const { readings, rejects } = realtimeReadings(packet('DataTime=20261127100000;a34004-Rtd=12;w01018-Rtd=1..2;w21011-Rtd=0.5,w21011-Flag=X;w01001-Rtd=7.1'), logger, registry);
    expect(rejects.map((r) => r.reason)).toEqual(['unknown-factor', 'bad-number', 'bad-flag']);
    expect(readings.map((r) => [r.pollutant, r.value])).toEqual([['w01001', 7.1]]);
  });

  it('refuses a packet without a valid DataTime', () => {
    expect(realtimeReadings(packet('w01018-Rtd=1'), logger, registry).rejects.map((r) => r.reason)).toEqual(['bad-time']);
  });
});
