import { asapScheduler, filter, map, observeOn, tap, type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { RuleEvent } from './rules/schema.js';
import type { EvidenceBuffer } from './rules/evidence.js';
import type { EventEvidence, TicketService } from './tickets/service.js';
import type { TicketSummary } from './tickets/types.js';

/**
 * What the park does about a rule event besides the ticket, e.g. the valve interlock. respond() only
 * starts the work (a Modbus write takes seconds); the responder reports its outcome on its own.
 */
export interface Responder {
  respond(ev: RuleEvent, ticket: TicketSummary | undefined): void;
}

export interface Response {
  event: RuleEvent;
  ticket?: TicketSummary;
  error?: string;
}

/**
 * Batches of rule events → tickets (with the readings around each event as evidence) → responders, in
 * event order. Each batch is applied in ONE SQLite transaction, off the ingest call stack: the batch is
 * handed over on `scheduler` (asap: right after the input's callback has returned). A failure to store a
 * ticket or of a responder is logged and reported, never ends the stream.
 */
export function respond(
  batches$: Observable<readonly RuleEvent[]>,
  deps: {
    tickets: TicketService;
    evidence: EvidenceBuffer;
    responders: Responder[];
    log: Logger;
    scheduler?: SchedulerLike;
    /** more evidence for some events of a batch, computed before the tickets are written (odor source attribution) */
    enrich?: (batch: readonly RuleEvent[]) => ReadonlyMap<RuleEvent, EventEvidence>;
  },
): Observable<readonly Response[]> {
  const { tickets, evidence, log } = deps;
  const failed = (event: RuleEvent, err: Error): Response => {
    log.error({ err: err.message, site: event.site, rule: event.rule }, 'ticket not stored for rule event');
    return { event, error: err.message };
  };
  return batches$.pipe(
    filter((b) => b.length > 0),
    observeOn(deps.scheduler ?? asapScheduler),
    map((batch): Response[] => {
      let extra: ReadonlyMap<RuleEvent, EventEvidence> | undefined;
      try {
        extra = deps.enrich?.(batch);
      } catch (err) {
        log.error({ err: (err as Error).message }, 'evidence enrichment failed; tickets written without it');
      }
      const items = batch.map((event) => ({ event, ...(event.type === 'update' ? {} : { evidence: { readings: evidence.window(event.site, event.pollutant), ...extra?.get(event) } }) }));
      try {
        return tickets.applyEvents(items).map((o) => (o.error ? failed(o.event, o.error) : { event: o.event, ticket: o.ticket }));
      } catch (err) {
        return batch.map((event) => failed(event, err as Error));
      }
    }),
    tap((responses) => {
      for (const res of responses) {
        for (const r of deps.responders) {
          try {
            r.respond(res.event, res.ticket);
          } catch (err) {
            log.error({ err: (err as Error).message, site: res.event.site, rule: res.event.rule }, 'responder failed');
          }
        }
      }
    }),
  );
}
