import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A place in the spool: a segment (by sequence number) and a byte offset in it. */
export interface Position {
  segment: number;
  offset: number;
}

export const comparePositions = (a: Position, b: Position): number => a.segment - b.segment || a.offset - b.offset;

export const CHECKPOINT_FILE = 'head.json';

/**
 * The head checkpoint: everything before this position has been written to the database. Replaced
 * atomically (write a temporary file, rename over): after a crash it is either the old or the new
 * one. It is not fsynced: after a power loss an older checkpoint only means some batches are written
 * again, which InfluxDB absorbs (same series and timestamp overwrite the point).
 */
export function writeCheckpoint(dir: string, pos: Position): void {
  const tmp = join(dir, `${CHECKPOINT_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify({ segment: pos.segment, offset: pos.offset }) + '\n');
  renameSync(tmp, join(dir, CHECKPOINT_FILE));
}

/** The checkpoint, or undefined when there is none or it is unreadable (then the whole spool is replayed). */
export function readCheckpoint(dir: string): { pos?: Position; problem?: string } {
  let text: string;
  try {
    text = readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? {} : { problem: (err as Error).message };
  }
  try {
    const doc = JSON.parse(text) as { segment?: unknown; offset?: unknown };
    if (Number.isSafeInteger(doc.segment) && Number.isSafeInteger(doc.offset) && (doc.segment as number) >= 0 && (doc.offset as number) >= 0)
      return { pos: { segment: doc.segment as number, offset: doc.offset as number } };
  } catch {
    /* reported below */
  }
  return { problem: `${CHECKPOINT_FILE} is not a valid checkpoint: ${JSON.stringify(text.slice(0, 100))}` };
}
