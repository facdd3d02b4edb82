import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Secrets at rest are scrypt hashes (RFC 7914, node:crypto's implementation) in PHC string format:
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt, base64 unpadded>$<hash, base64 unpadded>`.
 * Defaults ln=15 (N = 32768), r=8, p=1: about 32 MiB and tens of milliseconds per hash, the cost
 * OWASP's password storage guidance names for scrypt.
 */
export interface HashCost {
  ln: number;
  r: number;
  p: number;
}
export const DEFAULT_COST: HashCost = { ln: 15, r: 8, p: 1 };
const KEY_LEN = 32;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{43})$/;

/** true for a string in the format hashSecret writes */
export const isSecretHash = (s: string): boolean => PHC.test(s);

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
const options = (c: HashCost): ScryptOptions => ({ N: 2 ** c.ln, r: c.r, p: c.p, maxmem: 256 * 2 ** c.ln * c.r });

/** Hash a secret for storage (a fresh 16-byte salt each time). Synchronous: provisioning tools and start-up. */
export function hashSecret(plain: string, cost: HashCost = DEFAULT_COST): string {
  const salt = randomBytes(16);
  const hash = scryptSync(plain.normalize('NFC'), salt, KEY_LEN, options(cost));
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(hash)}`;
}

/** Checks a secret against a stored hash off the event loop (libuv thread pool); false for a malformed hash. */
export async function verifySecret(plain: string, stored: string): Promise<boolean> {
  const m = PHC.exec(stored);
  if (!m) return false;
  const cost = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.ln < 1 || cost.ln > 20) return false;
  const salt = Buffer.from(m[4]!, 'base64');
  const expected = Buffer.from(m[5]!, 'base64');
  const got = await new Promise<Buffer>((resolve, reject) =>
    scrypt(plain.normalize('NFC'), salt, expected.length, options(cost), (err, key) => (err ? reject(err) : resolve(key))),
  );
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/**
 * verifySecret with a memory of secrets already verified against each stored hash (as a SHA-256 of
 * secret and hash, never the secret itself): an HJ 212 logger repeats its PW in every packet and an
 * MQTT device reconnects; only the first check of each pair pays scrypt's cost. Failures are not
 * remembered, so a wrong secret always costs a full check. Bounded: the oldest entries leave first.
 */
export function createVerifier(maxEntries = 10_000): (plain: string, stored: string) => Promise<boolean> {
  const known = new Set<string>();
  return async (plain, stored) => {
    const key = createHash('sha256').update(stored).update('\0').update(plain).digest('base64');
    if (known.has(key)) return true;
    const ok = await verifySecret(plain, stored);
    if (ok) {
      known.add(key);
      if (known.size > maxEntries) known.delete(known.values().next().value!);
    }
    return ok;
  };
}

/** A random secret for a device or a token: 24 bytes, base64url (32 characters, no ; , = & or spaces). */
export const randomSecret = (bytes = 24): string => randomBytes(bytes).toString('base64url');
