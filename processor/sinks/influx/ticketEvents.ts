import { filter, map, type Observable, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import { RULE_LEVEL_ZH } from '../../rules/schema.js';
import type { TicketChange } from '../../tickets/service.js';
import type { Point } from '../lineProtocol/index.js';
import type { InfluxSink } from './index.js';

/**
 * A ticket change as an InfluxDB point (measurement `tickets`), so Grafana can annotate the charts:
 * tags site, enterprise, category, level (warning / control / exceedance), status, rule, pollutant, change;
 * fields id, text (with the level in Chinese: 预警 / 管控 / 超标), count.
 */
export function ticketPoint(c: TicketChange): Point {
  return {
    measurement: 'tickets',
    tags: {
      site: c.ticket.site,
      enterprise: c.ticket.enterprise,
      category: c.ticket.category,
      level: c.ticket.level,
      status: c.ticket.status,
      rule: c.ticket.rule,
      pollutant: c.ticket.pollutant,
      change: c.type,
    },
    fields: {
      id: c.ticket.id,
      text: `${c.ticket.id} ${RULE_LEVEL_ZH[c.ticket.level] ? `${RULE_LEVEL_ZH[c.ticket.level]} ` : ''}${c.type}: ${c.ticket.site} ${c.ticket.pollutant} ${c.ticket.rule} → ${c.ticket.status}${c.history?.note ? ` (${c.history.note})` : ''}`,
      count: c.ticket.count,
    },
    timestamp: c.at,
  };
}

/**
 * Ticket changes (except value updates) go through the sink's spool like readings: durable, in order,
 * retried until InfluxDB takes them (the database is created on the first write if missing).
 * An annotation that cannot be spooled is logged; the ticket stays in SQLite and the pipeline goes on.
 */
export function writeTicketEvents(changes$: Observable<TicketChange>, opts: { sink: Pick<InfluxSink, 'appendPoints'>; log: Logger }): Subscription {
  return changes$
    .pipe(
      filter((c) => c.type !== 'updated'),
      map(ticketPoint),
    )
    .subscribe((p) => {
      try {
        opts.sink.appendPoints([p]);
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'ticket annotation not spooled for InfluxDB');
      }
    });
}
