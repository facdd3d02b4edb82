/**
 * Per-address and per-client limits of the embedded broker: token buckets (connection rate per address,
 * publish rate per client) and the back-off of refused connects per address. Memory is bounded: the
 * address table keeps at most `maxEntries` addresses, the least recently seen leave first.
 */

export interface Rate {
  /** tokens added per second */
  perSec: number;
  /** bucket size: how many may come at once */
  burst: number;
}

/** A token bucket; `take()` is false when empty. The clock is injected for tests. */
export class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly rate: Rate,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate.burst;
    this.at = now();
  }
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((t - this.at) / 1000) * this.rate.perSec);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A Map bounded to `max` entries: a get or set moves the key to the young end, the oldest leaves first. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  delete(key: K): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
}

export interface Backoff {
  /** delay of the first refusal's CONNACK */
  baseMs: number;
  /** cap of the doubling */
  maxMs: number;
}

interface AddressState {
  failures: number;
  last: number;
  bucket?: TokenBucket;
}

/**
 * What the broker remembers per remote address: refusals in a row (each refusal's CONNACK waits
 * baseMs · 2^(n-1), capped at maxMs; forgotten after a success or after maxMs·10 without one) and the
 * connection-rate bucket.
 */
export function createAddressTable(o: { backoff: Backoff; connectRate: Rate; maxEntries?: number; now?: () => number }) {
  const now = o.now ?? Date.now;
  const table = new BoundedMap<string, AddressState>(o.maxEntries ?? 10_000);
  const state = (addr: string): AddressState => {
    let s = table.get(addr);
    if (!s || (s.failures > 0 && now() - s.last > o.backoff.maxMs * 10)) table.set(addr, (s = { failures: 0, last: now(), bucket: s?.bucket }));
    return s;
  };
  return {
    /** a new connection from addr: false when over the connection rate */
    admit(addr: string): boolean {
      const s = state(addr);
      s.bucket ??= new TokenBucket(o.connectRate, now);
      return s.bucket.take();
    },
    /** a refusal: how long to hold its CONNACK (or close) */
    failed(addr: string): number {
      const s = state(addr);
      s.failures++;
      s.last = now();
      return Math.min(o.backoff.maxMs, o.backoff.baseMs * 2 ** Math.min(s.failures - 1, 30));
    },
    succeeded(addr: string): void {
      const s = table.get(addr);
      if (s) s.failures = 0;
    },
    get size() {
      return table.size;
    },
  };
}
export type AddressTable = ReturnType<typeof createAddressTable>;
