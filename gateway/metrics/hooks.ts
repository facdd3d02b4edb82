import { performance } from 'node:perf_hooks';
import type { DeadLetterStore } from '../deadLetter/index.js';
import type { ConnectionEvents } from '../inputs/types.js';
import type { Reading } from '../model/reading.js';
import type { Registry as ParkRegistry } from '../registry/schema.js';
import type { PointWriter } from '../../processor/sinks/influx/index.js';

/** `a\u0000b` keys: label values never contain NUL */
const SEP = '\u0000';

/** Counts per label tuple in plain maps (cheap on the hot path); read by the collectors at scrape time. */
export class LabelledCounts {
  private readonly counts = new Map<string, number>();
  add(labels: readonly string[], n = 1): void {
    const key = labels.join(SEP);
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
  entries(): [string[], number][] {
    return [...this.counts].map(([k, v]) => [k.split(SEP), v]);
  }
}

/** Readings as they come out of the inputs, by source and site kind (`unknown` for a site not in the registry). */
export function readingsInCounter(registry: ParkRegistry): { count: (r: Reading) => void; counts: LabelledCounts } {
  const kinds = new Map(registry.sites.map((s) => [s.id, s.kind as string]));
  const counts = new LabelledCounts();
  return { counts, count: (r) => counts.add([r.source, kinds.get(r.site) ?? 'unknown']) };
}

/** The same store, also counting every entry by source and reason (the store itself counts by reason only). */
export function countDeadLetters(store: DeadLetterStore, counts: LabelledCounts): DeadLetterStore {
  return {
    put(entry) {
      counts.add([entry.source, entry.reason]);
      store.put(entry);
    },
    recent: (limit) => store.recent(limit),
    counts: () => store.counts(),
    total: () => store.total(),
    dropped: () => store.dropped(),
  };
}

export interface ConnectionState {
  /** client id → connected now */
  readonly clients: ReadonlyMap<string, { connected: boolean; subscribed: boolean; url: string; since: number }>;
  connects: number;
  reconnects: number;
  disconnects: number;
  redeliveries: number;
}

/** Listener for InputContext.connections: keeps the MQTT input's connection state and counts reconnects. */
export function trackConnections(now: () => number = Date.now): { events: ConnectionEvents; state: ConnectionState } {
  const clients = new Map<string, { connected: boolean; subscribed: boolean; url: string; since: number }>();
  const state: ConnectionState = { clients, connects: 0, reconnects: 0, disconnects: 0, redeliveries: 0 };
  const events: ConnectionEvents = {
    connected(e) {
      state.connects++;
      if (e.reconnect) state.reconnects++;
      clients.set(e.clientId, { connected: true, subscribed: false, url: e.url, since: now() });
    },
    subscribed(e) {
      const c = clients.get(e.clientId);
      if (c?.connected) c.subscribed = true;
    },
    disconnected(e) {
      const prev = clients.get(e.clientId);
      if (prev?.connected) state.disconnects++;
      clients.set(e.clientId, { connected: false, subscribed: false, url: e.url, since: prev?.connected === false ? prev.since : now() });
    },
    redelivered() {
      state.redeliveries++;
    },
  };
  return { events, state };
}

/** Wraps a PointWriter to time every write request (seconds, with its outcome). */
export function timedWriter(writer: PointWriter, observe: (seconds: number, outcome: 'ok' | 'error') => void): PointWriter {
  return {
    where: writer.where,
    classify: (err) => writer.classify(err),
    async write(points) {
      const start = performance.now();
      try {
        await writer.write(points);
        observe((performance.now() - start) / 1000, 'ok');
      } catch (err) {
        observe((performance.now() - start) / 1000, 'error');
        throw err;
      }
    },
  };
}
