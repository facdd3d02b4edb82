import { share, Subject, tap, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { Reading } from '../gateway/model/reading.js';
import type { Registry } from '../gateway/registry/schema.js';
import type { DeadLetterStore } from '../gateway/deadLetter/index.js';
import { validateReadings, type Rejection } from './operators/validate.js';
import { dedupeReadings } from './operators/dedupe.js';

/** Counters of the processor's front door. */
export interface ProcessorCounters {
  /** readings received, by source (modbus, mqtt, ...) */
  received: Record<string, number>;
  /** readings that passed validation */
  accepted: number;
  /** readings refused, by reason (validation reasons, and 'duplicate') */
  rejected: Record<string, number>;
}

export interface Processor {
  /** the validated stream; shared, so every consumer (sink, rules) sees each reading once */
  readonly accepted$: Observable<Reading>;
  readonly counters: ProcessorCounters;
  /** readings refused as impossible, for the out-of-range rule */
  readonly rejections$: Observable<Rejection>;
}

/**
 * Front of the processor: counts what arrives, refuses impossible readings (dead-lettered with their
 * reason), drops repeats of a reading already accepted (reason 'duplicate') and shares the rest with
 * the consumers (InfluxDB writer, rules). Cold until subscribed.
 */
export function createProcessor(deps: { registry: Registry; readings$: Observable<Reading>; deadLetters: DeadLetterStore; log: Logger }): Processor {
  const counters: ProcessorCounters = { received: {}, accepted: 0, rejected: {} };
  const rejections = new Subject<Rejection>();
  const accepted$ = deps.readings$.pipe(
    tap((r) => (counters.received[r.source] = (counters.received[r.source] ?? 0) + 1)),
    validateReadings(deps.registry, (rej) => {
      counters.rejected[rej.reason] = (counters.rejected[rej.reason] ?? 0) + 1;
      deps.deadLetters.put({ source: 'processor', where: `${rej.reading.site}/${rej.reading.device}`, reason: rej.reason, detail: rej.detail, raw: JSON.stringify(rej.reading) });
      deps.log.warn({ site: rej.reading.site, device: rej.reading.device, reason: rej.reason }, rej.detail);
      rejections.next(rej);
    }),
    // a repeat of a (series, ts) already accepted, e.g. an MQTT QoS 1 redelivery: counted and dead-lettered, not written twice
    dedupeReadings((dup) => {
      counters.rejected.duplicate = (counters.rejected.duplicate ?? 0) + 1;
      deps.deadLetters.put({ source: 'processor', where: `${dup.reading.site}/${dup.reading.device}`, reason: 'duplicate', detail: dup.detail, raw: JSON.stringify(dup.reading) });
    }),
    tap(() => counters.accepted++),
    share(),
  );
  return { accepted$, counters, rejections$: rejections.asObservable() };
}
