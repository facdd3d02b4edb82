import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/** A span [begin, end] (epoch ms) to ask a logger for. */
export const SpanSchema = z.object({ begin: z.number().int(), end: z.number().int() });
export type Span = z.infer<typeof SpanSchema>;

/** What the gateway remembers per logger (by MN) across restarts: the newest real-time DataTime seen, spans still to ask for, spans done. */
export const LoggerGapStateSchema = z.object({
  lastTs: z.number().int().optional(),
  pending: z.array(SpanSchema).default([]),
  /** the last completed requests (most recent last, at most 50): a record for review */
  done: z.array(SpanSchema.extend({ exeRtn: z.number().int(), at: z.number().int() })).default([]),
});
export type LoggerGapState = z.infer<typeof LoggerGapStateSchema>;
const FileSchema = z.record(z.string(), LoggerGapStateSchema);

export interface BackfillStore {
  load(): Record<string, LoggerGapState>;
  save(state: Record<string, LoggerGapState>): void;
}

export function memoryBackfillStore(): BackfillStore {
  let saved: Record<string, LoggerGapState> = {};
  return { load: () => structuredClone(saved), save: (s) => void (saved = structuredClone(s)) };
}

/** One small JSON file, replaced atomically (write + rename) on every change; an unreadable file starts empty. */
export function fileBackfillStore(file: string, onError: (err: Error) => void = () => {}): BackfillStore {
  return {
    load() {
      try {
        return FileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(err as Error);
        return {};
      }
    },
    save(state) {
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(`${file}.tmp`, JSON.stringify(state));
        renameSync(`${file}.tmp`, file);
      } catch (err) {
        onError(err as Error);
      }
    },
  };
}
