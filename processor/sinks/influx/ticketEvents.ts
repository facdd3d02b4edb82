import { catchError, concatMap, EMPTY, filter, from, map, type Observable, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { TicketChange } from '../../tickets/service.js';
import { batch } from '../../operators/batch.js';
import type { PointWriter } from './index.js';

/**
 * Ticket changes as InfluxDB points (measurement `tickets`), so Grafana can annotate the charts:
 * tags site, enterprise, category, status, rule, pollutant; fields id, text, count.
 * Losing an annotation never stops the pipeline: a failed write is logged and the tickets stay in SQLite.
 */
export function writeTicketEvents(changes$: Observable<TicketChange>, opts: { writer: PointWriter; log: Logger }): Subscription {
  return changes$
    .pipe(
      filter((c) => c.type !== 'updated'),
      map((c) => ({
        measurement: 'tickets',
        tags: {
          site: c.ticket.site,
          ...(c.ticket.enterprise ? { enterprise: c.ticket.enterprise } : {}),
          category: c.ticket.category,
          status: c.ticket.status,
          rule: c.ticket.rule,
          pollutant: c.ticket.pollutant,
          change: c.type,
        },
        fields: {
          id: c.ticket.id,
          text: `${c.ticket.id} ${c.type}: ${c.ticket.site} ${c.ticket.pollutant} ${c.ticket.rule} → ${c.ticket.status}${c.history?.note ? ` (${c.history.note})` : ''}`,
          count: c.ticket.count,
        },
        timestamp: new Date(c.at),
      })),
      batch(500, 1000),
      concatMap((points) =>
        from(opts.writer.write(points)).pipe(
          catchError((err: Error) => {
            opts.log.warn({ err: err.message, points: points.length }, 'ticket annotations not written to InfluxDB');
            return EMPTY;
          }),
        ),
      ),
    )
    .subscribe();
}
