import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../gateway/registry/loader.js';
import type { Reading } from '../../../gateway/model/reading.js';
import { createReadingEncoder, formatFloat, LineProtocolError, quoteString, seriesKey, toLine } from './index.js';

const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);
const reading = (over: Partial<Reading> = {}): Reading => ({ site: 'WP-01', device: 'WP-01-M', pollutant: 'w01018', value: 212.5, unit: 'mg/L', ts: T0, flag: 'N', source: 'modbus', ...over });

describe('line protocol escaping', () => {
  it('escapes spaces, commas and = in tag keys and values; keeps quotes, backslashes and Chinese as they are', () => {
    expect(seriesKey('m', { enterprise: '明弘 集团,一期=A', q: 'say "hi"', b: 'A\\B', empty: '' })).toBe('m,b=A\\B,enterprise=明弘\\ 集团\\,一期\\=A,q=say\\ "hi"');
    expect(seriesKey('my m,x=1')).toBe('my\\ m\\,x=1'); // measurement: comma and space only
  });

  it('escapes field keys like tag keys and string field values (quote, backslash) inside double quotes', () => {
    expect(toLine({ measurement: 'm', fields: { 'a b': 1, text: 'say "hi" \\o/\nbye' }, timestamp: 1 })).toBe('m a\\ b=1,text="say \\"hi\\" \\\\o/\\nbye" 1');
    expect(quoteString('"')).toBe('"\\""');
  });

  it('refuses names line protocol cannot carry: a backslash before a separator or at the end, a line break, no measurement, no field', () => {
    expect(() => seriesKey('m', { t: 'x\\' })).toThrow(/backslash/);
    expect(() => seriesKey('m', { t: 'x\\ y' })).toThrow(/backslash/);
    expect(() => seriesKey('m', { t: 'a\nb' })).toThrow(/line break/);
    expect(() => toLine({ measurement: '', fields: { v: 1 }, timestamp: 1 })).toThrow(LineProtocolError);
    expect(() => toLine({ measurement: 'm', fields: {}, timestamp: 1 })).toThrow(/no field/);
    expect(() => toLine({ measurement: 'm', fields: { v: Number.NaN }, timestamp: 1 })).toThrow(/not a finite number/);
    expect(() => toLine({ measurement: 'm', fields: { v: 1 }, timestamp: 1.5 })).toThrow(/not integer epoch milliseconds/);
  });
});

describe('float formatting', () => {
  it('writes every number as a float field, as the influx client does (String(n)), never with an i suffix', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [5, '5'],
      [-3, '-3'],
      [-212.5, '-212.5'],
      [1e-7, '1e-7'],
      [1e21, '1e+21'],
      [0.1 + 0.2, '0.30000000000000004'],
      [4_000_000_000, '4000000000'],
    ];
    for (const [n, text] of cases) {
      expect(formatFloat(n)).toBe(text);
      expect(Number(formatFloat(n))).toBe(n === 0 ? 0 : n); // round-trips
      expect(toLine({ measurement: 'm', fields: { value: n }, timestamp: 1 })).toBe(`m value=${text} 1`);
    }
    expect(() => formatFloat(Number.POSITIVE_INFINITY)).toThrow(LineProtocolError);
  });
});

describe('reading encoder', () => {
  const registry = loadRegistry();

  it('renders a reading as the series key from the registry plus flag, value and an ms timestamp', () => {
    const enc = createReadingEncoder(registry);
    const lines: string[] = [];
    expect(enc.encode([reading(), reading({ value: 5, ts: T0 + 1 })], lines)).toEqual([]);
    expect(lines[0]).toMatch(new RegExp(`^wastewater_pipe,device=WP-01-M,enterprise=\\S+,kind=wastewater_pipe,pollutant=w01018,site=WP-01 flag="N",value=212.5 ${T0}$`));
    expect(lines[1]!.endsWith(` flag="N",value=5 ${T0 + 1}`)).toBe(true);
    expect(enc.cached).toBe(1); // one series key, built once
  });

  it('equals toLine of the same point (one encoder, two entry points)', () => {
    const lines: string[] = [];
    createReadingEncoder(registry).encode([reading({ site: 'AQ-01', device: 'AQ-01-V', pollutant: 'a24088', value: 1e-7, flag: 'M' })], lines);
    const site = registry.sites.find((s) => s.id === 'AQ-01')!;
    const enterprise = registry.enterprises.find((e) => e.id === site.enterprise)?.name;
    expect(lines[0]).toBe(toLine({ measurement: site.kind, tags: { site: 'AQ-01', kind: site.kind, pollutant: 'a24088', device: 'AQ-01-V', enterprise }, fields: { value: 1e-7, flag: 'M' }, timestamp: T0 }));
  });

  it('refuses an unknown site, a non-finite value and a bad timestamp with their reasons, keeping the good readings', () => {
    const lines: string[] = [];
    const refused = createReadingEncoder(registry).encode([reading({ site: 'NOPE' }), reading({ value: Number.NaN }), reading({ ts: -1 }), reading()], lines);
    expect(refused.map((r) => r.error.reason)).toEqual(['unknown-site', 'non-finite-value', 'bad-timestamp']);
    expect(lines).toHaveLength(1);
  });
});
