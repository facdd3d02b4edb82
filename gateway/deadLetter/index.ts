import type { DeadLetterBounds } from './config.js';
import { RotatingFile } from './rotate.js';

export { DeadLetterEnvSchema, deadLetterBoundsFromEnv, type DeadLetterBounds, type DeadLetterEnv } from './config.js';

/** A rejected input kept for review: what it was, where it came from, why it was refused. */
export interface DeadLetter {
  /** epoch ms when it was rejected */
  at: number;
  /** input or stage that rejected it: 'mqtt', 'modbus', 'processor', ... */
  source: string;
  /** where: topic, device and unit id, site ... */
  where: string;
  /** short machine-readable reason, used as the counter label: 'malformed-json', 'unknown-site', ... */
  reason: string;
  /** human-readable detail (e.g. the zod message) */
  detail: string;
  /** the raw input, as text (binary is hex-encoded), truncated to 4 KiB */
  raw: string;
}

export interface DeadLetterStore {
  put(entry: Omit<DeadLetter, 'at'> & { at?: number }): void;
  /** most recent entries, newest last */
  recent(limit?: number): DeadLetter[];
  /** count per reason since start */
  counts(): Record<string, number>;
  total(): number;
  /** entries deleted from disk by rotation (the bound on the files), kept across restarts */
  dropped(): number;
}

const RAW_LIMIT = 4096;

/**
 * Keeps the last `capacity` entries in memory and, when `file` is given, appends every entry as one
 * JSON line (the durable record for review), in files bounded by `bounds` (default 5 × 10 MiB, rotated:
 * gateway/deadLetter/rotate.ts) so that a flood of bad input cannot fill the disk (issue 11); what rotation
 * deletes is counted (`dropped`). Never throws: a failing disk is reported once via onError.
 */
export function createDeadLetterStore(opts: { file?: string; capacity?: number; bounds?: Partial<DeadLetterBounds>; onError?: (err: Error) => void } = {}): DeadLetterStore {
  const capacity = opts.capacity ?? 1000;
  const ring: DeadLetter[] = [];
  const byReason: Record<string, number> = {};
  let total = 0;
  let diskFailed = false;
  const fail = (err: unknown) => {
    diskFailed = true;
    opts.onError?.(err as Error);
  };
  const out = opts.file ? new RotatingFile(opts.file, { maxFileBytes: opts.bounds?.maxFileBytes ?? 10 * 1024 * 1024, maxFiles: opts.bounds?.maxFiles ?? 5 }) : undefined;
  try {
    out?.open();
  } catch (err) {
    fail(err);
  }
  return {
    put(e) {
      const entry: DeadLetter = { ...e, at: e.at ?? Date.now(), raw: e.raw.length > RAW_LIMIT ? e.raw.slice(0, RAW_LIMIT) + '…' : e.raw };
      total++;
      byReason[entry.reason] = (byReason[entry.reason] ?? 0) + 1;
      ring.push(entry);
      if (ring.length > capacity) ring.shift();
      if (out && !diskFailed) {
        try {
          out.append(JSON.stringify(entry) + '\n');
        } catch (err) {
          fail(err);
        }
      }
    },
    recent: (limit = 100) => ring.slice(-limit),
    counts: () => ({ ...byReason }),
    total: () => total,
    dropped: () => out?.dropped() ?? 0,
  };
}
