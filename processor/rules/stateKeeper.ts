import type { RuleStateStore } from '../tickets/store.js';

/**
 * Keeps the rule operators' state for restarts. Every state change is held in memory; changes that
 * matter (a duration starting, an event opening or clearing) are written at once, the rest (window
 * contents, running statistics) at most once per flush period. After kill -9 the rule state is at most
 * one flush period old, and never older for the start of a running duration.
 */
export interface StateKeeper {
  initial<S>(key: string): S | undefined;
  record(key: string, state: unknown, urgent?: boolean): void;
  /**
   * Runs `fn` (one batch of readings, one round of timers) and writes the urgent changes it recorded in
   * ONE flush at its end, instead of one per change.
   */
  batch<T>(fn: () => T): T;
  /** write every pending change now */
  flush(): void;
  start(): void;
  stop(): void;
}

export function createStateKeeper(store: RuleStateStore, flushMs = 1000, onError: (err: Error) => void = () => {}): StateKeeper {
  const loaded = new Map(store.all());
  const dirty = new Map<string, unknown>();
  let timer: NodeJS.Timeout | undefined;
  let depth = 0;
  let urgentPending = false;
  const flush = () => {
    if (dirty.size === 0) return;
    const entries = [...dirty];
    dirty.clear();
    try {
      if (store.saveMany) store.saveMany(entries);
      else for (const [k, s] of entries) store.save(k, s);
    } catch (err) {
      for (const [k, s] of entries) if (!dirty.has(k)) dirty.set(k, s);
      onError(err as Error);
    }
  };
  return {
    initial: <S>(key: string) => loaded.get(key) as S | undefined,
    record(key, state, urgent = false) {
      dirty.set(key, state);
      if (!urgent) return;
      if (depth > 0) urgentPending = true;
      else flush();
    },
    batch(fn) {
      depth++;
      try {
        return fn();
      } finally {
        depth--;
        if (depth === 0 && urgentPending) {
          urgentPending = false;
          flush();
        }
      }
    },
    flush,
    start() {
      timer ??= setInterval(flush, flushMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      flush();
    },
  };
}
