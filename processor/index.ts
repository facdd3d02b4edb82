import { asyncScheduler, Observable, share, Subject, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { Reading, ReadingBatch } from '../gateway/model/reading.js';
import type { Registry } from '../gateway/registry/schema.js';
import type { DeadLetterStore } from '../gateway/deadLetter/index.js';
import { batchValidator, type Rejection } from './operators/validate.js';
import { createDedupe, type Dedupe, type DedupeOptions, type Duplicate } from './operators/dedupe.js';
import { createStoredDedupe } from './operators/dedupeStored.js';
import type { StoredTimestamps } from './stored/index.js';

/** Counters of the processor's front door. */
export interface ProcessorCounters {
  /** readings received, by source (modbus, mqtt, ...) */
  received: Record<string, number>;
  /** readings that passed validation and dedupe and were appended to the store */
  accepted: number;
  /** readings refused, by reason (validation reasons, 'duplicate' for an exact repeat, 'duplicate-timestamp' for another value at a stored timestamp) */
  rejected: Record<string, number>;
}

/** Where accepted readings are made durable (the spool). `append` returns once they are, or throws. */
export interface ReadingStore {
  append(readings: readonly Reading[]): void;
}

export interface Processor {
  /** batches of validated, deduplicated readings, already appended to the store; shared, so every consumer sees each batch once */
  readonly accepted$: Observable<readonly Reading[]>;
  readonly counters: ProcessorCounters;
  /** readings refused as impossible, for the out-of-range rule */
  readonly rejections$: Observable<Rejection>;
  /** batches whose append failed (acknowledged with the error, so their source sends them again) */
  appendErrors(): number;
}

export interface ProcessorDeps {
  registry: Registry;
  batches$: Observable<ReadingBatch>;
  store: ReadingStore;
  deadLetters: DeadLetterStore;
  log: Logger;
  /** clock the timestamp bounds are judged against (default asyncScheduler: the wall clock) */
  scheduler?: SchedulerLike;
  dedupe?: DedupeOptions;
  /**
   * the durable record of stored (series, timestamp) pairs: with it, a stored timestamp is refused however
   * old and across restarts (issue 11); without it, dedupe remembers recent timestamps in memory only
   */
  stored?: StoredTimestamps;
  /**
   * When the accepted readings are appended: 'turn' (default) gathers the batches of one event-loop
   * turn and appends them as one record (one write(2) for every message read in that turn), then
   * acknowledges each batch in arrival order and emits them together; 'batch' appends each batch on
   * its own, synchronously inside the input's call. `defer` schedules the end of the turn (default
   * setImmediate).
   */
  commit?: 'turn' | 'batch';
  defer?: (fn: () => void) => void;
}

/**
 * Front of the processor, one batch at a time (plain loops inside): count what arrives, refuse impossible
 * readings (dead-lettered with their reason), drop repeats of a reading already accepted (reason
 * 'duplicate'), then PERSIST, once per event-loop turn for every batch of that turn (group commit):
 *
 *   1. `store.append(accepted)` (synchronous: returns once the readings are durable, or throws);
 *   2. only then each batch's `ack()`, in arrival order, or `ack(err)` when the append threw;
 *   3. only then emit the accepted readings to the consumers (rules, interlock, evidence).
 *
 * This order is the durability contract (see ReadingBatch.ack): an input never acknowledges on its own,
 * so an MQTT PUBACK (or HJ 212 9014) can only leave after its readings are on disk. A batch whose every
 * reading was refused is acknowledged too: its refusals are in the dead-letter store, and a resend would
 * be refused again. A failed append never ends the stream: the batches are forgotten by dedupe (their
 * resends must pass), counted, and nothing of them is emitted. On unsubscribe, what was screened is
 * still appended and acknowledged. Cold until subscribed; shared.
 */
export function createProcessor(deps: ProcessorDeps): Processor {
  const { registry, store, deadLetters, log } = deps;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const counters: ProcessorCounters = { received: {}, accepted: 0, rejected: {} };
  let appendErrors = 0;
  const rejections = new Subject<Rejection>();
  const validate = batchValidator(registry);
  const onRejected = (rej: Rejection) => {
    counters.rejected[rej.reason] = (counters.rejected[rej.reason] ?? 0) + 1;
    deadLetters.put({ source: 'processor', where: `${rej.reading.site}/${rej.reading.device}`, reason: rej.reason, detail: rej.detail, raw: JSON.stringify(rej.reading) });
    log.warn({ site: rej.reading.site, device: rej.reading.device, pollutant: rej.reading.pollutant, reason: rej.reason }, rej.detail);
    rejections.next(rej);
  };
  // a repeat of a (series, ts) already accepted, e.g. an MQTT QoS 1 redelivery: counted and dead-lettered, not written twice;
  // another value for a stored timestamp: refused as 'duplicate-timestamp' (stored history is never overwritten, issue 11)
  const onDuplicate = (dup: Duplicate) => {
    const reason = dup.kept ? 'duplicate-timestamp' : 'duplicate';
    counters.rejected[reason] = (counters.rejected[reason] ?? 0) + 1;
    deadLetters.put({ source: 'processor', where: `${dup.reading.site}/${dup.reading.device}`, reason, detail: dup.detail, raw: JSON.stringify(dup.reading) });
    if (dup.kept) log.warn({ site: dup.reading.site, device: dup.reading.device, pollutant: dup.reading.pollutant, reason }, dup.detail);
  };
  const newDedupe = () => (deps.stored ? createStoredDedupe(deps.stored, onDuplicate) : createDedupe(onDuplicate, deps.dedupe));

  const settle = (batch: ReadingBatch, err?: Error) => {
    try {
      batch.ack?.(err);
    } catch (ackErr) {
      log.error({ err: ackErr }, 'processor: acknowledging a batch failed');
    }
  };

  /** validate → dedupe: what of the batch may be stored */
  const screen = (dedupe: Dedupe, batch: ReadingBatch): readonly Reading[] => {
    for (const r of batch.readings) counters.received[r.source] = (counters.received[r.source] ?? 0) + 1;
    return dedupe.accept(validate(batch.readings, scheduler.now(), onRejected));
  };

  /**
   * append → ack, for the batches of one commit: the readings are appended as one record; only after
   * the append returned is each batch acknowledged (with the error if it threw). Returns what to emit.
   */
  const persist = (dedupe: Dedupe, batches: readonly ReadingBatch[], accepted: readonly Reading[]): readonly Reading[] => {
    if (accepted.length > 0) {
      try {
        // recorded as stored first, then made durable: see processor/stored for the order under kill -9
        dedupe.commit?.(accepted);
        store.append(accepted);
      } catch (err) {
        dedupe.forget(accepted);
        appendErrors += batches.length;
        log.error({ err, readings: accepted.length, batches: batches.length }, 'processor: readings not made durable; their batches are refused so their sources send them again');
        const e = err instanceof Error ? err : new Error(String(err));
        for (const b of batches) settle(b, e);
        return [];
      }
    }
    counters.accepted += accepted.length;
    for (const b of batches) settle(b);
    return accepted;
  };

  const perTurn = (deps.commit ?? 'turn') === 'turn';
  const later = deps.defer ?? ((fn: () => void) => void setImmediate(fn));
  const accepted$ = new Observable<readonly Reading[]>((subscriber) => {
    const dedupe = newDedupe(); // state per subscription
    // the batches of this turn and their accepted readings, waiting for the turn's one append
    let pending: ReadingBatch[] = [];
    let pendingReadings: Reading[] = [];
    let scheduled = false;
    let closed = false;
    const commit = () => {
      scheduled = false;
      const batches = pending;
      const readings = pendingReadings;
      pending = [];
      pendingReadings = [];
      const out = persist(dedupe, batches, readings);
      if (out.length > 0 && !closed) subscriber.next(out);
    };
    const sub = deps.batches$.subscribe({
      next(batch) {
        const accepted = screen(dedupe, batch);
        if (!perTurn) {
          const out = persist(dedupe, [batch], accepted);
          if (out.length > 0) subscriber.next(out);
          return;
        }
        pending.push(batch);
        for (const r of accepted) pendingReadings.push(r);
        if (!scheduled) {
          scheduled = true;
          later(() => {
            if (scheduled) commit();
          });
        }
      },
      error(err: unknown) {
        if (pending.length > 0) commit();
        subscriber.error(err);
      },
      complete() {
        if (pending.length > 0) commit();
        subscriber.complete();
      },
    });
    return () => {
      sub.unsubscribe();
      // what was screened is still made durable and acknowledged (a Modbus poll has no one to resend it)
      closed = true;
      if (pending.length > 0) commit();
    };
  }).pipe(share());
  return { accepted$, counters, rejections$: rejections.asObservable(), appendErrors: () => appendErrors };
}
