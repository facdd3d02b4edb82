import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Reading } from '../../gateway/model/reading.js';
import { batchValidator, type Rejection } from './validate.js';

const registry = loadRegistry();
const base: Reading = { site: 'WP-01', device: 'WP-01-M', pollutant: 'w01018', value: 210, unit: 'mg/L', ts: 0, flag: 'N', source: 'modbus' };
const NOW = Date.parse('2026-11-25T10:00:00Z');
const at = (r: Reading) => ({ ...r, ts: r.ts || NOW });

describe('batchValidator', () => {
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
    const batch = Object.values(values).map(at);
    expect(batchValidator(registry)(batch, NOW, (r) => rejected.push(r))).toEqual([batch[0], batch[5]]);
    expect(rejected.map((r) => r.reason)).toEqual(['unknown-site', 'unknown-pollutant', 'non-finite-value', 'out-of-physical-range']);
    expect(rejected[3]!.detail).toContain('WP-01/w01001: 15');
  });

  it('refuses readings stamped too far ahead of or behind the scheduler clock (registry timestampBounds)', () => {
    const rejected: Rejection[] = [];
    const { maxFutureMs, maxPastMs } = registry.timestampBounds;
    expect(registry.timestampBounds).toEqual({ maxFutureMs: 5 * 60_000, maxPastMs: 366 * 24 * 3_600_000 });
    const now = NOW;
    const values = {
      a: { ...base, ts: now },
      b: { ...base, ts: now + maxFutureMs + 1 },
      c: { ...base, ts: now + maxFutureMs },
      d: { ...base, ts: now - maxPastMs - 1 },
      e: { ...base, ts: now - maxPastMs },
    };
    expect(batchValidator(registry)(Object.values(values), now, (r) => rejected.push(r))).toEqual([values.a, values.c, values.e]);
    expect(rejected.map((r) => r.reason)).toEqual(['timestamp-out-of-bounds', 'timestamp-out-of-bounds']);
    expect(rejected[0]!.detail).toMatch(/^WP-01\/WP-01-M\/w01018: ts .* is more than 5 min ahead of the gateway clock/);
    expect(rejected[1]!.detail).toMatch(/is more than 366 d behind the gateway clock/);
  });

  it('passes back-fill (HJ 212 补传) 3 h and 8 d old: stored at its own time; the lateness horizon decides what is judged', () => {
    const rejected: Rejection[] = [];
    const v = [{ ...base, ts: NOW - 3 * 3_600_000 }, { ...base, ts: NOW - 8 * 24 * 3_600_000 }];
    expect(batchValidator(registry)(v, NOW, (r) => rejected.push(r))).toEqual(v);
    expect(rejected).toEqual([]);
  });

  it('takes the bounds from the registry', () => {
    const strict = { ...registry, timestampBounds: { maxFutureMs: 0, maxPastMs: 1000 } };
    const rejected: Rejection[] = [];
    // clock at 0: ts 1 is ahead, ts 0 is now
    const values = { a: { ...base, ts: 1 }, b: { ...base, ts: 0 } };
    expect(batchValidator(strict)([values.a, values.b], 0, (r) => rejected.push(r))).toEqual([values.b]);
    expect(rejected.map((r) => r.reason)).toEqual(['timestamp-out-of-bounds']);
  });

  it('keeps the order of the batch, refuses Infinity as non-finite, and passes an empty batch', () => {
    const rejected: Rejection[] = [];
    const v = [at({ ...base, value: 1 }), at({ ...base, value: Infinity }), at({ ...base, value: 2 })];
    expect(batchValidator(registry)(v, NOW, (r) => rejected.push(r))).toEqual([v[0], v[2]]);
    expect(rejected.map((r) => r.reason)).toEqual(['non-finite-value']);
    expect(batchValidator(registry)([], NOW, () => {})).toEqual([]);
  });
});
