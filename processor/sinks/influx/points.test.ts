import { InfluxDB } from 'influx';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../gateway/model/reading.js';
import { loadRegistry } from '../../../gateway/registry/loader.js';
import { indexSites, PointError, toPoint } from './points.js';

const registry = loadRegistry();
const sites = indexSites(registry);
// parsePoint does the client's serialisation without any I/O
const client = new InfluxDB({ database: 'unit' });

const reading = (over: Partial<Reading> = {}): Reading => ({
  site: 'WP-01',
  device: 'WP-01-M',
  pollutant: 'w01018',
  value: 212.5,
  unit: 'mg/L',
  ts: 1_764_064_800_000,
  flag: 'N',
  source: 'modbus',
  ...over,
});

describe('toPoint', () => {
  it('maps a pipe reading to measurement wastewater_pipe with the enterprise name as a tag', () => {
    expect(toPoint(reading(), sites)).toEqual({
      measurement: 'wastewater_pipe',
      tags: { site: 'WP-01', kind: 'wastewater_pipe', pollutant: 'w01018', device: 'WP-01-M', enterprise: '明弘集团' },
      fields: { value: 212.5, flag: 'N' },
      timestamp: '1764064800000',
    });
  });

  it('uses the site kind as measurement for every kind', () => {
    expect(toPoint(reading({ site: 'RO-01', device: 'RO-01-M' }), sites).measurement).toBe('rain_outlet');
    expect(toPoint(reading({ site: 'AQ-01', device: 'AQ-01-V', pollutant: 'a24088' }), sites).measurement).toBe('air_fence');
    expect(toPoint(reading({ site: 'WS-01', device: 'WS-01-W', pollutant: 'a01007' }), sites).measurement).toBe('weather');
  });

  it('omits the enterprise tag for a site without an enterprise (no empty tag values)', () => {
    const p = toPoint(reading({ site: 'RO-01', device: 'RO-01-M' }), sites);
    expect(p.tags).not.toHaveProperty('enterprise');
    expect(Object.values(p.tags ?? {})).not.toContain('');
  });

  it('writes integer values as floats: no "i" suffix in line protocol', () => {
    for (const value of [5, 0, -3, 4_000_000_000]) {
      const parsed = client.parsePoint(toPoint(reading({ value }), sites), { precision: 'ms' });
      const pair = parsed.fieldsPairs.find(([k]) => k === 'value');
      expect(pair?.[1]).toBe(String(value));
      expect(pair?.[1]).not.toMatch(/i$/);
    }
  });

  it('writes the flag as a quoted string field and the timestamp in ms, even ts 0', () => {
    const parsed = client.parsePoint(toPoint(reading({ flag: 'M', ts: 0 }), sites), { precision: 'ms' });
    expect(parsed.fieldsPairs).toContainEqual(['flag', '"M"']);
    expect(parsed.castedTimestamp).toBe('0');
  });

  it('rejects a reading for a site not in the registry with reason unknown-site', () => {
    const err = (() => {
      try {
        toPoint(reading({ site: 'WP-99' }), sites);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PointError);
    expect((err as PointError).reason).toBe('unknown-site');
    expect((err as PointError).message).toContain('WP-99');
  });

  it('rejects non-finite values and bad timestamps', () => {
    expect(() => toPoint(reading({ value: Number.NaN }), sites)).toThrow(/not a finite number/);
    expect(() => toPoint(reading({ value: Infinity }), sites)).toThrow(PointError);
    expect(() => toPoint(reading({ ts: 1.5 }), sites)).toThrow(/epoch milliseconds/);
  });

  it('indexes every registry site', () => {
    expect(sites.size).toBe(registry.sites.length);
    expect(sites.get('AQ-01')).toEqual({ kind: 'air_fence', enterprise: '明弘集团' });
  });
});
