import type { Logger } from 'pino';
import type { DeadLetterStore } from '../../../gateway/deadLetter/index.js';
import type { DeliveryOptions } from '../write/index.js';
import type { Codec } from './batchReader.js';
import type { SpoolConfig } from './config.js';

export interface SpoolOptions<T> extends SpoolConfig {
  log?: Logger;
  /** damaged records are reported here (reason 'spool-corrupt') */
  deadLetters?: DeadLetterStore;
  /** default: JSON */
  codec?: Codec<T>;
}

/** Counters of the spool, for metrics (README "Spool"). */
export interface SpoolCounters {
  /** bytes in the segment files now (what the size bound counts) */
  bytes: number;
  /** bytes from the head on: appended and not yet written to the database (the backlog) */
  pendingBytes: number;
  segments: number;
  /** records and points appended and not yet written */
  recordsPending: number;
  pointsPending: number;
  recordsAppended: number;
  pointsAppended: number;
  /** points written to the database that a previous run had spooled */
  replayedPoints: number;
  /** points lost because the spool was full (or an append failed) */
  droppedPoints: number;
  droppedRecords: number;
  /** whole segments removed when full (drop-oldest) */
  droppedSegments: number;
  /** damaged ranges (checksum mismatch, torn tail) skipped, and their bytes */
  corruptRecords: number;
  corruptBytes: number;
  fsyncs: number;
  fsyncErrors: number;
  appendErrors: number;
}

export interface SpoolQueue<T> {
  /** opens the directory (refusing a spool of an unknown format), replays what a previous run left */
  start(): void;
  /**
   * appends the batch as one record with one write(2): in the OS page cache when it returns; throws
   * (and counts the points dropped) when it could not (spool full with drop-newest, disk error, closed)
   */
  push(batch: readonly T[]): void;
  /** resolves with the number of items still pending once everything is written, or when timeoutMs passes */
  drain(timeoutMs?: number): Promise<number>;
  /** stops the writer; returns the items left on disk for the next start */
  close(): number;
  /** items appended and not yet written */
  readonly queued: number;
  readonly durable: true;
  readonly stats: Readonly<Record<string, number>>;
  readonly counters: SpoolCounters;
  /** the backlog: bytes appended and not yet written to the database (counters.pendingBytes) */
  bytes(): number;
  /** at the bound: less than one segment of room left, so the oldest points go next (drop-oldest) or new ones are refused (drop-newest) */
  full(): boolean;
}

/** createSpoolQueue's result: the sink's `createQueue`, and the spool's status (zero and not full until the queue exists). */
export interface SpoolFactory<T> {
  (opts: DeliveryOptions<T>): SpoolQueue<T>;
  bytes(): number;
  full(): boolean;
  readonly queue: SpoolQueue<T> | undefined;
}

