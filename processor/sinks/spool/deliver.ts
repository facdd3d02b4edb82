import type { DeadLetterStore } from '../../../gateway/deadLetter/index.js';
import type { Logger } from 'pino';
import { retryDelay, type WriteQueueOptions } from '../influx/writeQueue.js';
import type { Batch } from './batchReader.js';
import type { Waker } from './waker.js';

/** calls an observer; a throwing callback must not stop the writer */
export function notify<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    fn?.(...args);
  } catch {
    /* callbacks only observe */
  }
}

/**
 * Writes the items of one batch: a retryable failure waits (capped backoff, or the server's Retry-After
 * when longer) and tries the same items again; 'split' (HTTP 413) halves them; 'reject' (HTTP 400) hands
 * them to onRejected and goes on. Resolves false when the queue was closed before everything was written.
 */
export async function deliver<T>(items: T[], opts: WriteQueueOptions<T>, pause: Waker, closed: () => boolean): Promise<boolean> {
  const parts = [items];
  let attempt = 0;
  while (parts.length > 0) {
    if (closed()) return false;
    const part = parts[0]!;
    try {
      await opts.write(part);
    } catch (err) {
      if (closed()) return false;
      attempt++;
      const kind = opts.classify(err);
      if (kind === 'split' && part.length > 1) {
        const half = Math.ceil(part.length / 2);
        parts.splice(0, 1, part.slice(0, half), part.slice(half));
        notify(opts.onError, err, { attempt, kind, size: part.length });
        attempt = 0;
      } else if (kind === 'retry') {
        const retryInMs = retryDelay(attempt, opts.backoff, err);
        notify(opts.onError, err, { attempt, kind, size: part.length, retryInMs });
        await pause.wait(retryInMs);
      } else {
        notify(opts.onError, err, { attempt, kind: 'reject' as const, size: part.length });
        parts.shift();
        attempt = 0;
        notify(opts.onRejected, part, err);
      }
      continue;
    }
    parts.shift();
    attempt = 0;
    notify(opts.onWritten, part);
  }
  return true;
}

/** Damaged ranges and undecodable records a batch met: counted, dead-lettered (reason 'spool-corrupt'), logged; never fatal. */
export function reportDamage<T>(b: Batch<T>, c: { corruptRecords: number; corruptBytes: number }, deadLetters?: DeadLetterStore, log?: Logger): void {
  for (const d of b.damage) {
    c.corruptRecords++;
    c.corruptBytes += d.bytes;
    const detail = `${d.bytes} bytes at offset ${d.offset} skipped: ${d.why}`;
    deadLetters?.put({ source: 'spool', where: `${d.file}@${d.offset}`, reason: 'spool-corrupt', detail, raw: `hex:${d.sample.toString('hex')}` });
    log?.error({ file: d.file, offset: d.offset, bytes: d.bytes, why: d.why }, 'spool: damaged record skipped');
  }
  for (const u of b.undecodable) {
    c.corruptRecords++;
    c.corruptBytes += u.payload.length;
    deadLetters?.put({ source: 'spool', where: `${u.file}@${u.offset}`, reason: 'spool-corrupt', detail: `record cannot be decoded: ${u.why}`, raw: u.payload.toString('utf8') });
    log?.error({ file: u.file, offset: u.offset, why: u.why }, 'spool: undecodable record skipped');
  }
}
