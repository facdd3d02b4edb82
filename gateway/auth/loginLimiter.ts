/**
 * Login attempts, limited per address and per username (OWASP Authentication Cheat Sheet, "Login
 * Throttling"): after `freeFailures` failures in a row a key is locked, for `baseMs` at first and twice
 * as long after every further failure (up to `maxMs`). A success clears the username and the address;
 * a key with no failure for `forgetMs` is forgotten. At most `maxKeys` keys are remembered (the oldest
 * leave first), so a flood of made-up usernames cannot grow the process.
 */
export interface LoginLimits {
  freeFailures: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
  maxKeys: number;
}
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { freeFailures: 5, baseMs: 30_000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000, maxKeys: 10_000 };

interface Entry {
  failures: number;
  last: number;
  lockedUntil: number;
  /** the lockedUntil whose refusals were already reported (audited once per lock, not once per attempt) */
  reported: number;
}

export function createLoginLimiter(now: () => number, limits: Partial<LoginLimits> = {}) {
  const l = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  const keys = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const e = keys.get(key);
    if (e && now() - e.last >= l.forgetMs) {
      keys.delete(key);
      return undefined;
    }
    return e;
  };
  return {
    /** ms until the next attempt is allowed for any of these keys (0: go ahead) */
    retryAfterMs(...ks: string[]): number {
      const t = now();
      return Math.max(0, ...ks.map((k) => (live(k)?.lockedUntil ?? 0) - t));
    },
    failed(...ks: string[]): void {
      const t = now();
      for (const k of ks) {
        const e = live(k) ?? { failures: 0, last: t, lockedUntil: 0, reported: 0 };
        e.failures++;
        e.last = t;
        if (e.failures >= l.freeFailures) e.lockedUntil = t + Math.min(l.maxMs, l.baseMs * 2 ** (e.failures - l.freeFailures));
        keys.delete(k);
        keys.set(k, e);
        if (keys.size > l.maxKeys) keys.delete(keys.keys().next().value!);
      }
    },
    /** true the first time a refusal is reported during the current lock of any of these keys: a flood of attempts writes one audit entry per lock */
    firstRefusal(...ks: string[]): boolean {
      let first = false;
      for (const k of ks) {
        const e = live(k);
        if (e && e.lockedUntil > now() && e.reported !== e.lockedUntil) {
          e.reported = e.lockedUntil;
          first = true;
        }
      }
      return first;
    },
    succeeded(...ks: string[]): void {
      for (const k of ks) keys.delete(k);
    },
  };
}
export type LoginLimiter = ReturnType<typeof createLoginLimiter>;
