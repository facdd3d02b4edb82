import type { z } from 'zod';
import { MqttPayloadSchema, type MqttPayload } from './config.js';

/**
 * The MQTT payload, checked twice as fast as zod can for the common shape, with zod kept as the one
 * definition of the shape: `fastPayload` accepts only documents that MqttPayloadSchema accepts too (a
 * table test holds the two together), and answers `undefined` for anything else, unusual or wrong; zod
 * then decides and explains the rejection.
 */

const CODE = /^[a-z][a-z0-9]{5}$/;
const FLAGS = new Set(['N', 'F', 'M', 'S', 'D', 'C', 'T', 'B']);
const TS_ISO = MqttPayloadSchema.shape.ts.options[1];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

/** The payload when `doc` certainly conforms to MqttPayloadSchema; undefined when zod must decide. */
export function fastPayload(doc: unknown): MqttPayload | undefined {
  if (!isPlainObject(doc)) return undefined;
  let keys = 0;
  for (const k in doc) {
    // anything else, e.g. a device naming itself (site, device), goes to zod (then checked against the topic)
    if (k !== 'ts' && k !== 'values' && k !== 'flags') return undefined;
    keys++;
  }
  const { ts, values, flags } = doc;
  if (typeof ts === 'number') {
    if (!Number.isSafeInteger(ts) || ts < 0) return undefined;
  } else if (typeof ts !== 'string' || !TS_ISO.safeParse(ts).success) return undefined;
  if (!isPlainObject(values)) return undefined;
  let n = 0;
  for (const code in values) {
    const v = values[code];
    if (typeof v !== 'number' || !Number.isFinite(v) || !CODE.test(code)) return undefined;
    n++;
  }
  if (n === 0) return undefined;
  if (flags !== undefined) {
    if (!isPlainObject(flags)) return undefined;
    for (const code in flags) {
      const f = flags[code];
      if (typeof f !== 'string' || !FLAGS.has(f) || !CODE.test(code)) return undefined;
    }
  } else if (keys === 3) return undefined; // a `flags` key with the value undefined cannot come from JSON
  return doc as MqttPayload;
}

export type PayloadCheck = { ok: true; payload: MqttPayload } | { ok: false; issues: readonly z.core.$ZodIssue[] };

/** Fast path first; zod for whatever it does not take (which may still be valid, e.g. an unusual form). */
export function checkPayload(doc: unknown): PayloadCheck {
  const fast = fastPayload(doc);
  if (fast) return { ok: true, payload: fast };
  const parsed = MqttPayloadSchema.safeParse(doc);
  return parsed.success ? { ok: true, payload: parsed.data } : { ok: false, issues: parsed.error.issues };
}
