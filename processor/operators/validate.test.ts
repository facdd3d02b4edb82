import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Reading } from '../../gateway/model/reading.js';
import { validateReadings, type Rejection } from './validate.js';

const registry = loadRegistry();
const base: Reading = { site: 'WP-01', device: 'WP-01-M', pollutant: 'w01018', value: 210, unit: 'mg/L', ts: 0, flag: 'N', source: 'modbus' };
const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('validateReadings', () => {
  it('passes possible readings and refuses impossible ones with a reason', () => {
    const rejected: Rejection[] = [];
    const values = {
      a: base,
      b: { ...base, site: 'WP-99' },
      c: { ...base, pollutant: 'w99999' },
      d: { ...base, value: Number.NaN },
      e: { ...base, pollutant: 'w01001', value: 15 },
      f: { ...base, value: 0 },
    };
    ts().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcdef|', values).pipe(validateReadings(registry, (r) => rejected.push(r)))).toBe('a----f|', values);
    });
    expect(rejected.map((r) => r.reason)).toEqual(['unknown-site', 'unknown-pollutant', 'non-finite-value', 'out-of-physical-range']);
    expect(rejected[3]!.detail).toContain('WP-01/w01001: 15');
  });

  it('forwards errors and completion', () => {
    ts().run(({ cold, expectObservable }) => {
      expectObservable(cold('a#', { a: base }).pipe(validateReadings(registry, () => {}))).toBe('a#', { a: base });
      expectObservable(cold<Reading>('|').pipe(validateReadings(registry, () => {}))).toBe('|');
    });
  });
});
