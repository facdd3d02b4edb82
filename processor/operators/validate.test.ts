import { describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
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

  it('refuses readings stamped too far ahead of or behind the scheduler clock (registry timestampBounds)', () => {
    const rejected: Rejection[] = [];
    const { maxFutureMs, maxPastMs } = registry.timestampBounds;
    expect(registry.timestampBounds).toEqual({ maxFutureMs: 5 * 60_000, maxPastMs: 7 * 24 * 3_600_000 });
    const now = Date.parse('2026-11-25T10:00:00Z');
    const values = {
      a: { ...base, ts: now },
      b: { ...base, ts: now + maxFutureMs + 1 },
      c: { ...base, ts: now + maxFutureMs },
      d: { ...base, ts: now - maxPastMs - 1 },
      e: { ...base, ts: now - maxPastMs },
    };
    const clock = { now: () => now, schedule: asyncScheduler.schedule.bind(asyncScheduler) };
    ts().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcde|', values).pipe(validateReadings(registry, (r) => rejected.push(r), { scheduler: clock }))).toBe('a-c-e|', values);
    });
    expect(rejected.map((r) => r.reason)).toEqual(['timestamp-out-of-bounds', 'timestamp-out-of-bounds']);
    expect(rejected[0]!.detail).toMatch(/^WP-01\/WP-01-M\/w01018: ts .* is more than 5 min ahead of the gateway clock/);
    expect(rejected[1]!.detail).toMatch(/is more than 7 d behind the gateway clock/);
  });

  it('takes the bounds from the registry', () => {
    const strict = { ...registry, timestampBounds: { maxFutureMs: 0, maxPastMs: 1000 } };
    const rejected: Rejection[] = [];
    ts().run(({ cold, expectObservable }) => {
      // virtual clock at frame 0: ts 1 is ahead, ts 0 is now
      const values = { a: { ...base, ts: 1 }, b: { ...base, ts: 0 } };
      expectObservable(cold('ab|', values).pipe(validateReadings(strict, (r) => rejected.push(r)))).toBe('-b|', values);
    });
    expect(rejected.map((r) => r.reason)).toEqual(['timestamp-out-of-bounds']);
  });

  it('forwards errors and completion', () => {
    ts().run(({ cold, expectObservable }) => {
      expectObservable(cold('a#', { a: base }).pipe(validateReadings(registry, () => {}))).toBe('a#', { a: base });
      expectObservable(cold<Reading>('|').pipe(validateReadings(registry, () => {}))).toBe('|');
    });
  });
});
