import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../gateway/registry/loader.js';
import type { Reading } from '../../../gateway/model/reading.js';
import { attributionPoints } from './attribution.js';
import { CALM_SECTOR, createRose, sectorOf, speedClass } from './rose.js';

const registry = loadRegistry();
const r = (site: string, pollutant: string, value: number, ts: number, flag: Reading['flag'] = 'N'): Reading => ({ site, device: `${site}-X`, pollutant, value, unit: '', ts, flag, source: 'mqtt' });

describe('wind rose and pollution rose points', () => {
  it('bins a direction into 16 sectors of 22.5° centred on north, calm apart, and speeds into classes', () => {
    expect([sectorOf(0, 3), sectorOf(11.2, 3), sectorOf(11.3, 3), sectorOf(348.8, 3), sectorOf(360, 3), sectorOf(-90, 3), sectorOf(180, 3)]).toEqual(['00 N 北', '00 N 北', '01 NNE 北东北', '00 N 北', '00 N 北', '12 W 西', '08 S 南']);
    expect(sectorOf(90, 0.4)).toBe(CALM_SECTOR);
    expect([0.2, 0.5, 1.99, 2, 5.9, 6, 20].map(speedClass)).toEqual(['0 <0.5 m/s', '1 0.5-2 m/s', '1 0.5-2 m/s', '2 2-4 m/s', '3 4-6 m/s', '4 ≥6 m/s', '4 ≥6 m/s']);
  });

  it("pairs each direction with the speed of its moment and each fence-line value with the wind at its time (the station's own, else the weather station's)", () => {
    const rose = createRose(registry);
    const points = rose.points([
      // a direction listed before the speed of the same instant still meets that speed
      r('WS-01', 'a01008', 90, 1000),
      r('WS-01', 'a01007', 3, 1000),
      r('AQ-01', 'a24088', 0.8, 1000),
      r('WS-01', 'a01007', 7, 2000),
      r('WS-01', 'a01008', 180, 2000),
      r('AQ-01', 'a24088', 1.2, 2000),
      r('AQ-01', 'a24088', 99, 2000, 'C'),
      // AQ-02 has its own anemometer in this batch: its wind, not the weather station's
      r('AQ-02', 'a01007', 2.5, 2000),
      r('AQ-02', 'a01008', 270, 2000),
      r('AQ-02', 'a21028', 0.01, 2000),
      // meteorological factors of a fence-line station are not roses
      r('AQ-02', 'a01001', 21, 2000),
    ]);
    const seen = points.map((p) => `${p.tags!.rose} ${p.tags!.site} ${p.tags!.pollutant ?? '-'} ${p.tags!.sector} ${p.tags!.speed ?? p.tags!.wind} ${String(p.fields.value ?? p.fields.speed)} @${p.timestamp}`);
    expect(seen).toEqual([
      'wind WS-01 - 04 E 东 2 2-4 m/s 3 @1000',
      'pollution AQ-01 a24088 04 E 东 WS-01 0.8 @1000',
      'wind WS-01 - 08 S 南 4 ≥6 m/s 7 @2000',
      'wind AQ-02 - 12 W 西 2 2-4 m/s 2.5 @2000',
      'pollution AQ-01 a24088 08 S 南 WS-01 1.2 @2000',
      'pollution AQ-02 a21028 12 W 西 AQ-02 0.01 @2000',
    ]);
  });

  it('keeps the wind across batches, but not beyond maxAgeMs: a value without recent wind has no sector', () => {
    const rose = createRose(registry, 60_000);
    expect(rose.points([r('WS-01', 'a01007', 3, 0), r('WS-01', 'a01008', 45, 0)])).toHaveLength(1);
    expect(rose.points([r('AQ-01', 'a21001', 0.3, 30_000)]).map((p) => p.tags!.sector)).toEqual(['02 NE 东北']);
    expect(rose.points([r('AQ-01', 'a21001', 0.3, 61_000)])).toEqual([]);
    // a pipe's or a rain outlet's values make no rose point
    expect(rose.points([r('WP-01', 'w01018', 650, 61_000), r('RO-01', 'w01018', 30, 61_000)])).toEqual([]);
  });
});

describe('attribution points', () => {
  it('one point per ranked candidate, tagged with station, rank and enterprise', () => {
    const c = { angleDeg: 3, angular: 0.9, distance: 0.5, emission: 1, stations: ['AQ-01'] };
    const points = attributionPoints({
      site: 'AQ-01', pollutant: 'a21001', rule: 'aq-nh3', at: 5000, wind: null, sector: null, calm: false, considered: 2, intersecting: [],
      candidates: [{ ...c, enterprise: 'E-02', name: '林达科技', score: 0.6, distanceM: 412.4, bearingDeg: 44.6 }, { ...c, enterprise: 'E-03', name: '绿源生物科技', score: 0.2, distanceM: 903.5, bearingDeg: 51.2 }],
      persistence: { priority: 'normal', episodes: 1, withinMs: 1 }, summary: '疑似来源',
    });
    expect(points.map((p) => [p.measurement, p.tags, p.fields.distance_m, p.fields.bearing_deg, p.timestamp])).toEqual([
      ['attribution', { site: 'AQ-01', pollutant: 'a21001', rule: 'aq-nh3', rank: '1', enterprise: 'E-02' }, 412, 45, 5000],
      ['attribution', { site: 'AQ-01', pollutant: 'a21001', rule: 'aq-nh3', rank: '2', enterprise: 'E-03' }, 904, 51, 5000],
    ]);
  });
});
