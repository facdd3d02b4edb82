// Test-only loader of test/fixtures/hj212 (imported by *.test.ts files; not part of the codec's surface).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Hj212PacketSchema, type Hj212ErrorReason } from './index.js';

const dir = fileURLToPath(new URL('../../../../test/fixtures/hj212/', import.meta.url));

const Accepted = z.array(z.object({ name: z.string(), source: z.string().optional(), frame: z.string(), canonical: z.boolean(), packet: Hj212PacketSchema }));
const Refused = z.array(
  z.object({
    name: z.string(),
    frame: z.string(),
    reason: z.enum(['bad-crc', 'bad-length', 'no-tail', 'bad-header', 'bad-segment', 'truncated-cp', 'too-long'] satisfies Hj212ErrorReason[]),
    maxFrameBytes: z.number().int().optional(),
  }),
);

const load = (file: string) => JSON.parse(readFileSync(dir + file, 'utf8')) as unknown;

/** The reference vectors of domain.md §1.15 (the standard's example and the Appendix C segments). */
export const vectors = () => Accepted.parse(load('vectors.json'));
/** Packets seen in the field that the codec accepts (domain.md §1.2, §1.16). */
export const lenient = () => Accepted.parse(load('lenient.json'));
/** Frames the codec refuses, with the reason. */
export const refused = () => Refused.parse(load('errors.json'));
