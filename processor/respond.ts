import { map, tap, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { RuleEvent } from './rules/schema.js';
import type { EvidenceBuffer } from './rules/evidence.js';
import type { TicketService } from './tickets/service.js';
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
 * Rule events → tickets (with the readings around the event as evidence) → responders, in event order.
 * A failure to store a ticket or of a responder is logged and reported, never ends the stream.
 */
export function respond(events$: Observable<RuleEvent>, deps: { tickets: TicketService; evidence: EvidenceBuffer; responders: Responder[]; log: Logger }): Observable<Response> {
  const { tickets, evidence, log } = deps;
  return events$.pipe(
    map((event): Response => {
      try {
        const readings = event.type === 'update' ? undefined : evidence.window(event.site, event.pollutant);
        return { event, ticket: tickets.applyEvent(event, readings ? { readings } : undefined) };
      } catch (err) {
        log.error({ err: (err as Error).message, site: event.site, rule: event.rule }, 'ticket not stored for rule event');
        return { event, error: (err as Error).message };
      }
    }),
    tap((res) => {
      for (const r of deps.responders) {
        try {
          r.respond(res.event, res.ticket);
        } catch (err) {
          log.error({ err: (err as Error).message, site: res.event.site, rule: res.event.rule }, 'responder failed');
        }
      }
    }),
  );
}
