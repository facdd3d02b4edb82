import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Mosquitto 2's password file, written as `mosquitto_passwd` writes it (src/password_mosq.c,
 * `pw__hash`, hash type sha512-pbkdf2): one `username:$7$<iterations>$<salt>$<hash>` line per user,
 * salt 12 random bytes, hash PBKDF2-HMAC-SHA512 (RFC 8018 §5.2) of the password, 64 bytes; both in
 * standard base64 with padding.
 *
 * Iterations: mosquitto_passwd writes 101, and Mosquitto computes the hash again on every CONNECT in its
 * one thread. The park's secrets are 192-bit random strings (randomSecret), which no iteration count
 * makes easier or harder to guess; 1,000 keeps a CONNECT well under a millisecond.
 */
export const MOSQUITTO_ITERATIONS = 1000;
const SALT_BYTES = 12;
const HASH_BYTES = 64;
const LINE = /^([^:]+):\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Mosquitto's username rules: no ':' (the file's separator), no newline, not empty; and none of MQTT's wildcards. */
export const isMosquittoUsername = (u: string): boolean => /^[^:\s#+/]{1,128}$/.test(u);

export function mosquittoHash(password: string, iterations = MOSQUITTO_ITERATIONS, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const hash = pbkdf2Sync(password, salt, iterations, HASH_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Checks a password against a `$7$` entry (tests; Mosquitto does this itself). */
export function mosquittoVerify(password: string, entry: string): boolean {
  const m = /^\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(entry);
  if (!m) return false;
  const expected = Buffer.from(m[3]!, 'base64');
  const got = pbkdf2Sync(password, Buffer.from(m[2]!, 'base64'), Number(m[1]), expected.length, 'sha512');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Reads a password file: username → `$7$…` entry. Lines in other formats (old `$6$` hashes, plain text) are ignored and reported. */
export function parsePasswordFile(text: string): { entries: Map<string, string>; ignored: number[] } {
  const entries = new Map<string, string>();
  const ignored: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (m) entries.set(m[1]!, line.slice(m[1]!.length + 1));
    else ignored.push(i + 1);
  });
  return { entries, ignored };
}

export function formatPasswordFile(entries: ReadonlyMap<string, string>): string {
  return [...entries].map(([u, h]) => `${u}:${h}\n`).join('');
}
