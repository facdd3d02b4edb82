import { describe, expect, it } from 'vitest';
import { MqttPayloadSchema } from './config.js';
import { checkPayload, fastPayload } from './payload.js';

const MS = Date.parse('2026-11-25T10:00:00.000Z');

/** Documents the fast path must take, exactly as zod does. */
const good: [string, unknown][] = [
  ['epoch ms, 4 channels', { ts: MS, values: { a24088: 1.25, a21028: 0.012, a99001: 14, a01001: -3.5 } }],
  ['ISO with Z', { ts: '2026-11-25T10:00:00.000Z', values: { a24088: 1 } }],
  ['ISO with +08:00', { ts: '2026-11-25T18:00:00+08:00', values: { a24088: 1 } }],
  ['with flags', { ts: MS, values: { a24088: 1, a21028: 2 }, flags: { a21028: 'M', a24088: 'N' } }],
  ['ts 0', { ts: 0, values: { w01018: 0 } }],
  ['negative and tiny values', { ts: MS, values: { a01001: -40, a21028: 1e-7 } }],
  ['empty flags', { ts: MS, values: { a24088: 1 }, flags: {} }],
];

/** Documents zod refuses; the fast path must not take any of them. */
const bad: [string, unknown][] = [
  ['null', null],
  ['an array', [{ ts: MS, values: { a24088: 1 } }]],
  ['a string', 'hello'],
  ['no ts', { values: { a24088: 1 } }],
  ['no values', { ts: MS }],
  ['empty values', { ts: MS, values: {} }],
  ['an extra key', { ts: MS, values: { a24088: 1 }, pad: 'x' }],
  ['ts negative', { ts: -1, values: { a24088: 1 } }],
  ['ts fractional', { ts: MS + 0.5, values: { a24088: 1 } }],
  ['ts beyond safe integers', { ts: 2 ** 53, values: { a24088: 1 } }],
  ['ts an unparseable string', { ts: 'yesterday', values: { a24088: 1 } }],
  ['ts ISO without offset', { ts: '2026-11-25T10:00:00', values: { a24088: 1 } }],
  ['ts a boolean', { ts: true, values: { a24088: 1 } }],
  ['a value as string', { ts: MS, values: { a24088: '1.2' } }],
  ['a null value', { ts: MS, values: { a21028: null } }],
  ['a boolean value', { ts: MS, values: { a21001: true } }],
  ['Infinity', { ts: MS, values: { a24088: Infinity } }],
  ['NaN', { ts: MS, values: { a24088: NaN } }],
  ['a code in capitals', { ts: MS, values: { A24088: 1 } }],
  ['a code too short', { ts: MS, values: { a2408: 1 } }],
  ['values an array', { ts: MS, values: [1, 2] }],
  ['an unknown flag', { ts: MS, values: { a24088: 1 }, flags: { a24088: 'X' } }],
  ['a flag for a bad code', { ts: MS, values: { a24088: 1 }, flags: { 'a-1': 'N' } }],
  ['flags an array', { ts: MS, values: { a24088: 1 }, flags: ['N'] }],
  ['flags null', { ts: MS, values: { a24088: 1 }, flags: null }],
  ['__proto__ as a code', JSON.parse(`{"ts":${MS},"values":{"__proto__":1}}`)],
];

describe('MQTT payload: the fast path agrees with the zod schema', () => {
  it.each(good)('takes %s, with the same result as zod', (_, doc) => {
    const parsed = MqttPayloadSchema.safeParse(doc);
    expect(parsed.success).toBe(true);
    expect(fastPayload(doc)).toEqual(parsed.data);
    expect(checkPayload(doc)).toEqual({ ok: true, payload: parsed.data });
  });

  it.each(bad)('leaves %s to zod, which refuses it and says why', (_, doc) => {
    expect(MqttPayloadSchema.safeParse(doc).success).toBe(false);
    expect(fastPayload(doc)).toBeUndefined();
    const checked = checkPayload(doc);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues.length).toBeGreaterThan(0);
  });
});
