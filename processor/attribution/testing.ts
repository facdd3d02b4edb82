import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { RuleEvent } from '../rules/schema.js';
import type { Point } from './geo.js';

const RAD = Math.PI / 180;
const EARTH_M = 6_371_008.8;

/**
 * The point `distanceM` from `from` at `bearingDeg`, on the sphere (great-circle destination formula).
 * Tests place candidates with it, so their expected bearings and distances are the ones written down,
 * not ones computed by the code under test.
 */
export function destination(from: Point, bearingDeg: number, distanceM: number): Point {
  const d = distanceM / EARTH_M;
  const th = bearingDeg * RAD;
  const p1 = from.lat * RAD;
  const l1 = from.lon * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(th));
  const l2 = l1 + Math.atan2(Math.sin(th) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return { lat: p2 / RAD, lon: l2 / RAD };
}

/** wind readings (a01007 speed, a01008 direction) of one site at one instant */
export function windAt(site: string, ts: number, speed: number, direction: number): Reading[] {
  const base = { site, device: `${site}-W`, unit: '', ts, flag: 'N' as const, source: 'mqtt' as const };
  return [
    { ...base, pollutant: 'a01007', value: speed },
    { ...base, pollutant: 'a01008', value: direction },
  ];
}

/** an odor rule event at a fence-line station */
export function odorEvent(type: RuleEvent['type'], site: string, pollutant: string, ts: number, since = ts, rule = 'aq-test'): RuleEvent {
  return { type, rule, ruleType: 'exceedance', category: 'odor', site, pollutant, ts, since, value: 1 };
}

/** the default park with the given fence-line stations moved and the enterprises replaced (test geometry) */
export function parkWith(stations: Record<string, Point>, enterprises: { id: string; at: Point; emits: Record<string, number> }[]): Registry {
  const r = structuredClone(loadRegistry());
  for (const s of r.sites) if (stations[s.id]) s.location = stations[s.id]!;
  r.enterprises = enterprises.map((e, i) => ({
    id: e.id,
    name: `企业${e.id}`,
    officer: r.enterprises[i % r.enterprises.length]!.officer,
    keyAirEmitter: true,
    limits: [],
    location: e.at,
    emissions: Object.entries(e.emits).map(([pollutant, weight]) => ({ pollutant, weight })),
  }));
  return r;
}
