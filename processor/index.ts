import { asyncScheduler, defer, EMPTY, mergeMap, of, share, Subject, type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { Reading, ReadingBatch } from '../gateway/model/reading.js';
import type { Registry } from '../gateway/registry/schema.js';
import type { DeadLetterStore } from '../gateway/deadLetter/index.js';
import { batchValidator, type Rejection } from './operators/validate.js';
import { createDedupe, type Dedupe, type DedupeOptions } from './operators/dedupe.js';

/** Counters of the processor's front door. */
export interface ProcessorCounters {
  /** readings received, by source (modbus, mqtt, ...) */
  received: Record<string, number>;
  /** readings that passed validation and dedupe and were appended to the store */
  accepted: number;
  /** readings refused, by reason (validation reasons, and 'duplicate') */
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
}

/**
 * Front of the processor, one batch at a time (plain loops inside): count what arrives, refuse impossible
 * readings (dead-lettered with their reason), drop repeats of a reading already accepted (reason
 * 'duplicate'), then PERSIST:
 *
 *   1. `store.append(accepted)` (synchronous: returns once the readings are durable, or throws);
 *   2. only then `batch.ack()`, or `batch.ack(err)` when the append threw;
 *   3. only then emit the accepted readings to the consumers (rules, interlock, evidence).
 *
 * This order is the durability contract (see ReadingBatch.ack): an input never acknowledges on its own,
 * so an MQTT PUBACK (or HJ 212 9014) can only leave after its readings are on disk. A batch whose every
 * reading was refused is acknowledged too: its refusals are in the dead-letter store, and a resend would
 * be refused again. A failed append never ends the stream: the batch is forgotten by dedupe (its resend
 * must pass), counted, and nothing of it is emitted. Cold until subscribed; shared.
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
  const newDedupe = () =>
    // a repeat of a (series, ts) already accepted, e.g. an MQTT QoS 1 redelivery: counted and dead-lettered, not written twice
    createDedupe((dup) => {
      counters.rejected.duplicate = (counters.rejected.duplicate ?? 0) + 1;
      deadLetters.put({ source: 'processor', where: `${dup.reading.site}/${dup.reading.device}`, reason: 'duplicate', detail: dup.detail, raw: JSON.stringify(dup.reading) });
    }, deps.dedupe);

  const settle = (batch: ReadingBatch, err?: Error) => {
    try {
      batch.ack?.(err);
    } catch (ackErr) {
      log.error({ err: ackErr }, 'processor: acknowledging a batch failed');
    }
  };

  /** validate → dedupe → append → ack; returns what to emit */
  const persist = (dedupe: Dedupe, batch: ReadingBatch): readonly Reading[] => {
    for (const r of batch.readings) counters.received[r.source] = (counters.received[r.source] ?? 0) + 1;
    const accepted = dedupe.accept(validate(batch.readings, scheduler.now(), onRejected));
    if (accepted.length > 0) {
      try {
        store.append(accepted);
      } catch (err) {
        dedupe.forget(accepted);
        appendErrors++;
        log.error({ err, readings: accepted.length }, 'processor: readings not made durable; the batch is refused so its source sends it again');
        settle(batch, err instanceof Error ? err : new Error(String(err)));
        return [];
      }
    }
    counters.accepted += accepted.length;
    settle(batch);
    return accepted;
  };

  const accepted$ = defer(() => {
    const dedupe = newDedupe(); // state per subscription
    return deps.batches$.pipe(
      mergeMap((batch) => {
        const out = persist(dedupe, batch);
        return out.length > 0 ? of(out) : EMPTY;
      }),
    );
  }).pipe(share());
  return { accepted$, counters, rejections$: rejections.asObservable(), appendErrors: () => appendErrors };
}
