import type { Registry } from '../../../gateway/registry/schema.js';
import { isOverdue as ticketOverdue, TICKET_STATUSES, type TicketFilter, type TicketLevel, type TicketPage, type TicketSummary } from '../../tickets/types.js';
import type { Point } from '../lineProtocol/index.js';
import { ticketsIn } from '../../tickets/paging.js';

/** whether a ticket counts as overdue (default: past its deadline and not closed, processor/tickets `isOverdue`) */
export type IsOverdue = (ticket: TicketSummary, now: number) => boolean;

const LEVELS: readonly TicketLevel[] = ['warning', 'control', 'exceedance'];
const LIVE = TICKET_STATUSES.filter((s) => s !== 'closed');

/** every ticket not closed */
export const liveTickets = (tickets: { list(filter?: TicketFilter): TicketPage }): TicketSummary[] => ticketsIn(tickets, LIVE, 1000);

/**
 * The tickets not closed, counted: measurement `ticket_state`, tags enterprise (id; absent for sites
 * without one), officer (包联干部), level (warning / control / exceedance); fields open (not closed) and
 * overdue. Every (enterprise, officer, level) of the registry is written each time, zeros included, so
 * the latest point of every series is the current count (a count that fell to 0 is written as 0).
 */
export function ticketStatePoints(registry: Registry, tickets: readonly TicketSummary[], now: number, isOverdue: IsOverdue = ticketOverdue): Point[] {
  const key = (enterprise: string | undefined, officer: string, level: string) => JSON.stringify([enterprise ?? null, officer, level]);
  const counts = new Map<string, { open: number; overdue: number }>();
  const groups = [...registry.enterprises.map((e) => [e.id, e.officer] as const), ...registry.officers.map((o) => [undefined, o.id] as const)];
  for (const [enterprise, officer] of groups) for (const level of LEVELS) counts.set(key(enterprise, officer, level), { open: 0, overdue: 0 });
  for (const t of tickets) {
    if (t.status === 'closed') continue;
    const k = key(t.enterprise, t.officer, t.level);
    const c = counts.get(k) ?? { open: 0, overdue: 0 };
    c.open++;
    if (isOverdue(t, now)) c.overdue++;
    counts.set(k, c);
  }
  return [...counts].map(([k, c]) => {
    const [enterprise, officer, level] = JSON.parse(k) as [string | null, string, string];
    return { measurement: 'ticket_state', tags: { enterprise: enterprise ?? undefined, officer, level }, fields: { open: c.open, overdue: c.overdue }, timestamp: now };
  });
}
