import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../gateway/registry/loader.js';
import { influx2Writer, LineProtocolError, parseRetryAfter, toLine, toLines } from './index.js';

const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);

describe('toLine', () => {
  it('writes sorted, escaped tags, float value, string flag and an ms timestamp', () => {
    const line = toLine({
      measurement: 'wastewater_pipe',
      tags: { site: 'WP-01', kind: 'wastewater_pipe', pollutant: 'w01018', device: 'WP-01-M', enterprise: '明弘 集团,一期=A' },
      fields: { value: 212.5, flag: 'N' },
      timestamp: String(T0),
    });
    expect(line).toBe(`wastewater_pipe,device=WP-01-M,enterprise=明弘\\ 集团\\,一期\\=A,kind=wastewater_pipe,pollutant=w01018,site=WP-01 flag="N",value=212.5 ${T0}`);
  });

  it('never writes a number as an integer field', () => {
    for (const [v, text] of [
      [5, '5'],
      [0, '0'],
      [-3, '-3'],
      [4_000_000_000, '4000000000'],
      [1e-7, '1e-7'],
    ] as const) {
      const line = toLine({ measurement: 'm', fields: { value: v }, timestamp: 1 });
      expect(line).toBe(`m value=${text} 1`);
      expect(line).not.toMatch(/value=\S*i /);
    }
  });

  it('takes Date, number and numeric-string timestamps as ms and stamps a point without one', () => {
    expect(toLine({ measurement: 'm', fields: { value: 1 }, timestamp: new Date(T0) })).toBe(`m value=1 ${T0}`);
    expect(toLine({ measurement: 'm', fields: { value: 1 }, timestamp: T0 })).toBe(`m value=1 ${T0}`);
    expect(toLine({ measurement: 'm', fields: { value: 1 }, timestamp: '0' })).toBe('m value=1 0');
    expect(toLine({ measurement: 'm', fields: { value: 1 } }, () => 42)).toBe('m value=1 42');
  });

  it('quotes and escapes string fields, drops empty tags', () => {
    expect(toLine({ measurement: 'm', tags: { a: '', b: 'x' }, fields: { flag: 'say "hi" \\o/' }, timestamp: 1 })).toBe('m,b=x flag="say \\"hi\\" \\\\o/" 1');
  });

  it('refuses what line protocol cannot carry, with the reason', () => {
    expect(() => toLine({ fields: { value: 1 } })).toThrow(LineProtocolError);
    expect(() => toLine({ measurement: 'm', fields: {} })).toThrow(/no field/);
    expect(() => toLine({ measurement: 'm', fields: { value: Number.NaN } })).toThrow(/value=NaN is not a finite number/);
    expect(() => toLine({ measurement: 'm', fields: { value: 1 }, timestamp: 1.5 })).toThrow(/not integer epoch milliseconds/);
    expect(() => toLine({ measurement: 'm', fields: { value: 1 }, timestamp: 'yesterday' })).toThrow(/not integer epoch milliseconds/);
    expect(() => toLine({ measurement: 'm', tags: { d: 'x\\' }, fields: { value: 1 } })).toThrow(/ends with a backslash/);
  });

  it('toLines sets bad points aside and keeps the good ones in order', () => {
    const r = toLines([
      { measurement: 'm', fields: { value: 1 }, timestamp: 1 },
      { measurement: 'm', fields: { value: Number.POSITIVE_INFINITY }, timestamp: 2 },
      { measurement: 'm', fields: { value: 3 }, timestamp: 3 },
    ]);
    expect(r.lines).toEqual(['m value=1 1', 'm value=3 3']);
    expect(r.bad).toEqual([{ index: 1, reason: 'field value=Infinity is not a finite number' }]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates (RFC 9110 §10.2.3)', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(['0'])).toBe(0);
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('influx2Writer configuration', () => {
  it('lists every problem and never echoes the token', () => {
    let err: unknown;
    try {
      influx2Writer({ url: 'ftp://influx:8086', org: ' ', bucket: 'park', token: '' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.map((p) => p.path).sort();
    expect(problems).toEqual(['org', 'token', 'url']);
    expect((err as ConfigError).message).toMatch(/http\(s\) URL/);
  });

  it('names where it writes and does no I/O when built', () => {
    const w = influx2Writer({ url: 'http://127.0.0.1:9', org: 'park-org', bucket: 'park', token: 'secret-token' });
    expect(w.where).toBe('http://127.0.0.1:9 org park-org bucket park');
    expect(w.where).not.toContain('secret-token');
  });
});
