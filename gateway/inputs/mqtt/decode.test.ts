import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../registry/loader.js';
import { buildIndex, decodeMessage, parseTopic, type RejectReason } from './decode.js';

const registry = loadRegistry();
const index = buildIndex(registry);
const cfg = { topicPrefix: 'park/v1', maxPayloadBytes: 1024 };
const T = (site: string, device: string) => `park/v1/${site}/${device}/data`;
const ISO = '2026-11-25T10:00:00.000Z';
const MS = Date.parse(ISO);
const json = (doc: unknown) => Buffer.from(JSON.stringify(doc));

describe('parseTopic', () => {
  it.each([
    ['park/v1/AQ-01/AQ-01-V/data', 'park/v1', { site: 'AQ-01', device: 'AQ-01-V' }],
    ['park/v1/AQ-01/AQ-01-V/data', 'park/v1/', { site: 'AQ-01', device: 'AQ-01-V' }],
    ['a/b/c/AQ-01/AQ-01-V/data', 'a/b/c', { site: 'AQ-01', device: 'AQ-01-V' }],
    ['park/v1/AQ-01/AQ-01-V/status', 'park/v1', undefined],
    ['park/v1/AQ-01/data', 'park/v1', undefined],
    ['park/v1/AQ-01/AQ-01-V/data/extra', 'park/v1', undefined],
    ['park/v1//AQ-01-V/data', 'park/v1', undefined],
    ['park/v10/AQ-01/AQ-01-V/data', 'park/v1', undefined],
    ['other/AQ-01/AQ-01-V/data', 'park/v1', undefined],
  ])('%s under %s', (topic, prefix, expected) => {
    expect(parseTopic(topic, prefix)).toEqual(expected);
  });
});

describe('decodeMessage: good messages', () => {
  it('emits one reading per value with unit from the catalogue, flag N by default, source mqtt', () => {
    const out = decodeMessage(T('AQ-03', 'AQ-03-V'), json({ ts: ISO, values: { a24088: 1.25, a21028: 0.012, a99001: 14 }, flags: { a21028: 'M' } }), index, cfg);
    expect(out.rejects).toEqual([]);
    expect(out.device).toBe('AQ-03-V');
    expect(out.readings).toEqual([
      { site: 'AQ-03', device: 'AQ-03-V', pollutant: 'a24088', value: 1.25, unit: 'mg/m3', ts: MS, flag: 'N', source: 'mqtt' },
      { site: 'AQ-03', device: 'AQ-03-V', pollutant: 'a21028', value: 0.012, unit: 'mg/m3', ts: MS, flag: 'M', source: 'mqtt' },
      { site: 'AQ-03', device: 'AQ-03-V', pollutant: 'a99001', value: 14, unit: '', ts: MS, flag: 'N', source: 'mqtt' },
    ]);
  });

  it.each([
    ['epoch ms', MS, MS],
    ['ISO with offset', '2026-11-25T18:00:00+08:00', MS],
    ['ISO without fraction', '2026-11-25T10:00:00Z', MS],
  ])('ts as %s', (_, ts, expected) => {
    const out = decodeMessage(T('WS-01', 'WS-01-W'), json({ ts, values: { a01001: -3.5 } }), index, cfg);
    expect(out.rejects).toEqual([]);
    expect(out.readings).toEqual([expect.objectContaining({ pollutant: 'a01001', value: -3.5, unit: 'degC', ts: expected })]);
  });

  it('keeps configured values and rejects only the unknown channel', () => {
    const out = decodeMessage(T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { a24088: 2, a01007: 3, w01018: 40 } }), index, cfg);
    expect(out.readings.map((r) => r.pollutant)).toEqual(['a24088']);
    expect(out.rejects).toEqual([
      { reason: 'unknown-channel', detail: expect.stringMatching(/^AQ-03\/AQ-03-V: values\.a01007: not a channel of AQ-03-V/) },
      { reason: 'unknown-channel', detail: expect.stringMatching(/^AQ-03\/AQ-03-V: values\.w01018: not a channel of AQ-03-V/) },
    ]);
  });

  it('rejects a code that is well-formed but not in the pollutant catalogue', () => {
    const out = decodeMessage(T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { a24088: 2, a99999: 3 } }), index, cfg);
    expect(out.readings).toHaveLength(1);
    expect(out.rejects).toEqual([{ reason: 'unknown-channel', detail: 'AQ-03/AQ-03-V: values.a99999: not in the pollutant catalogue' }]);
  });
});

const big = Buffer.from(JSON.stringify({ ts: MS, values: { a24088: 1 }, pad: 'x'.repeat(2000) }));

/** [case, topic, payload, reason, detail pattern, device named in the result] */
const rejects: [string, string, Buffer, RejectReason, RegExp, string | undefined][] = [
  ['status topic', 'park/v1/AQ-03/AQ-03-V/status', json({ ts: MS, values: { a24088: 1 } }), 'topic-outside-scheme', /^park\/v1\/AQ-03\/AQ-03-V\/status: topic does not match park\/v1\/<site>\/<device>\/data$/, undefined],
  ['too few levels', 'park/v1/AQ-03', json({ ts: MS, values: { a24088: 1 } }), 'topic-outside-scheme', /topic does not match/, undefined],
  ['unknown site', T('AQ-99', 'AQ-99-V'), json({ ts: MS, values: { a24088: 1 } }), 'unknown-site', /^AQ-99\/AQ-99-V: site AQ-99 is not in the registry$/, undefined],
  ['unknown device', T('AQ-03', 'AQ-03-X'), json({ ts: MS, values: { a24088: 1 } }), 'unknown-device', /^AQ-03\/AQ-03-X: device AQ-03-X is not in the registry$/, undefined],
  ['modbus device on mqtt', T('RO-01', 'RO-01-M'), json({ ts: MS, values: { w01018: 1 } }), 'unknown-device', /^RO-01\/RO-01-M: device RO-01-M is a modbus device, not an MQTT device$/, undefined],
  ['device at another site', T('AQ-01', 'AQ-03-V'), json({ ts: MS, values: { a24088: 1 } }), 'device-not-at-site', /^AQ-01\/AQ-03-V: device AQ-03-V belongs to site AQ-03, not AQ-01$/, undefined],
  ['oversized', T('AQ-03', 'AQ-03-V'), big, 'payload-too-large', new RegExp(`^AQ-03/AQ-03-V: payload is ${big.length} bytes, limit is 1024$`), 'AQ-03-V'],
  ['empty', T('AQ-03', 'AQ-03-V'), Buffer.alloc(0), 'empty-payload', /^AQ-03\/AQ-03-V: payload is empty \(0 bytes\)$/, 'AQ-03-V'],
  ['whitespace only', T('AQ-03', 'AQ-03-V'), Buffer.from(' \n'), 'empty-payload', /payload is empty/, 'AQ-03-V'],
  ['truncated JSON', T('AQ-03', 'AQ-03-V'), Buffer.from('{"ts":1,"values":{"a24088":1'), 'malformed-json', /^AQ-03\/AQ-03-V: .*JSON/, 'AQ-03-V'],
  ['NaN literal', T('AQ-03', 'AQ-03-V'), Buffer.from('{"ts":1,"values":{"a24088":NaN}}'), 'malformed-json', /^AQ-03\/AQ-03-V: /, 'AQ-03-V'],
  ['binary garbage', T('AQ-03', 'AQ-03-V'), Buffer.from([0xff, 0x00, 0x13]), 'malformed-json', /^AQ-03\/AQ-03-V: /, 'AQ-03-V'],
  ['value as string', T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { a21028: '0.01' } }), 'invalid-payload', /^AQ-03\/AQ-03-V: values\.a21028: expected number, received string$/, 'AQ-03-V'],
  ['"NaN" string', T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { a24088: 'NaN' } }), 'invalid-payload', /values\.a24088: expected number, received string/, 'AQ-03-V'],
  ['overflow to Infinity', T('AQ-03', 'AQ-03-V'), Buffer.from('{"ts":1,"values":{"a24088":1e400}}'), 'invalid-payload', /values\.a24088: expected number, received Infinity/, 'AQ-03-V'],
  ['value null', T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { a24088: null } }), 'invalid-payload', /values\.a24088: expected number, received null/, 'AQ-03-V'],
  ['missing ts', T('AQ-03', 'AQ-03-V'), json({ values: { a24088: 1 } }), 'invalid-payload', /^AQ-03\/AQ-03-V: ts: expected number, missing \| expected string, missing$/, 'AQ-03-V'],
  ['bad ts string', T('AQ-03', 'AQ-03-V'), json({ ts: 'yesterday', values: { a24088: 1 } }), 'invalid-payload', /ts: .*Invalid ISO datetime/, 'AQ-03-V'],
  ['negative ts', T('AQ-03', 'AQ-03-V'), json({ ts: -1, values: { a24088: 1 } }), 'invalid-payload', /ts: /, 'AQ-03-V'],
  ['ts before 1970', T('AQ-03', 'AQ-03-V'), json({ ts: '1969-12-31T23:59:59Z', values: { a24088: 1 } }), 'invalid-payload', /ts: 1969-12-31T23:59:59Z is before 1970/, 'AQ-03-V'],
  ['empty values', T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: {} }), 'invalid-payload', /values: values is empty/, 'AQ-03-V'],
  ['bad code', T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { NMHC: 1 } }), 'invalid-payload', /values\.NMHC: Invalid key in record/, 'AQ-03-V'],
  ['bad flag', T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { a24088: 1 }, flags: { a24088: 'X' } }), 'invalid-payload', /flags\.a24088: Invalid option/, 'AQ-03-V'],
  ['extra key', T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { a24088: 1 }, unit: 'ppm' }), 'invalid-payload', /\(payload\): Unrecognized key: "unit"/, 'AQ-03-V'],
  ['array payload', T('AQ-03', 'AQ-03-V'), json([1, 2]), 'invalid-payload', /\(payload\): expected object, received array/, 'AQ-03-V'],
  ['number payload', T('AQ-03', 'AQ-03-V'), Buffer.from('42'), 'invalid-payload', /\(payload\): expected object, received number/, 'AQ-03-V'],
];

describe('decodeMessage: timestamps are passed on as epoch ms (their bounds are judged once, by the processor)', () => {
  const at = (ts: number | string) => decodeMessage(T('AQ-03', 'AQ-03-V'), json({ ts, values: { a24088: 1 } }), index, cfg);

  it.each([
    ['epoch ms', MS, MS],
    ['ISO with +08:00', '2026-11-25T18:04:00+08:00', MS + 4 * 60_000],
    ['a year ahead', '2027-11-25T10:00:00Z', Date.parse('2027-11-25T10:00:00Z')],
    ['seconds instead of milliseconds', Math.floor(MS / 1000), Math.floor(MS / 1000)],
  ])('%s', (_, ts, expected) => {
    const out = at(ts);
    expect(out.rejects).toEqual([]);
    expect(out.readings.map((r) => r.ts)).toEqual([expected]);
  });
});

describe('decodeMessage: rejects', () => {
  it.each(rejects)('%s → %s', (_, topic, payload, reason, detail, device) => {
    const out = decodeMessage(topic, payload, index, cfg);
    expect(out.readings).toEqual([]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]?.reason).toBe(reason);
    expect(out.rejects[0]?.detail).toMatch(detail);
    expect(out.device).toBe(device);
  });

  it('checks the size before reading the payload', () => {
    const notJson = Buffer.alloc(2000, 0x7b); // '{{{{…', would be malformed-json if parsed
    expect(decodeMessage(T('AQ-03', 'AQ-03-V'), notJson, index, cfg).rejects[0]?.reason).toBe('payload-too-large');
    expect(decodeMessage(T('AQ-03', 'AQ-03-V'), notJson.subarray(0, 1024), index, cfg).rejects[0]?.reason).toBe('malformed-json');
  });

  it('lists every schema problem in one detail', () => {
    const out = decodeMessage(T('AQ-03', 'AQ-03-V'), json({ ts: 'x', values: { a24088: 'a', a21028: true } }), index, cfg);
    expect(out.rejects[0]?.detail).toMatch(/ts: .*; values\.a24088: expected number, received string; values\.a21028: expected number, received boolean/);
  });

  it('uses the prefix from the configuration', () => {
    const other = { ...cfg, topicPrefix: 'plant/7' };
    expect(decodeMessage(T('AQ-03', 'AQ-03-V'), json({ ts: MS, values: { a24088: 1 } }), index, other).rejects[0]?.reason).toBe('topic-outside-scheme');
    expect(decodeMessage('plant/7/AQ-03/AQ-03-V/data', json({ ts: MS, values: { a24088: 1 } }), index, other).readings).toHaveLength(1);
  });
});

describe('decodeMessage: a payload naming its own identity (issue 11: identity must match the content)', () => {
  it('takes a payload that names the topic’s site and device', () => {
    const out = decodeMessage(T('AQ-03', 'AQ-03-V'), json({ site: 'AQ-03', device: 'AQ-03-V', ts: MS, values: { a24088: 1 } }), index, cfg);
    expect(out.rejects).toEqual([]);
    expect(out.readings.map((r) => [r.site, r.device])).toEqual([['AQ-03', 'AQ-03-V']]);
  });

  it.each([
    ['another site', { site: 'AQ-01' }, /AQ-03\/AQ-03-V: the payload names AQ-01\/AQ-03-V, the topic AQ-03\/AQ-03-V/],
    ['another device', { device: 'AQ-01-V' }, /the payload names AQ-03\/AQ-01-V/],
    ['both', { site: 'AQ-01', device: 'AQ-01-V' }, /the payload names AQ-01\/AQ-01-V/],
  ])('refuses a payload that names %s: no reading at all', (_, named, detail) => {
    const out = decodeMessage(T('AQ-03', 'AQ-03-V'), json({ ...named, ts: MS, values: { a24088: 1, a21028: 0.01 } }), index, cfg);
    expect(out.readings).toEqual([]);
    expect(out.rejects).toEqual([{ reason: 'identity-mismatch', detail: expect.stringMatching(detail) }]);
  });
});
