import type { TicketFilter, TicketPage, TicketStatus, TicketSummary } from './types.js';

/** every ticket in these statuses, read a page at a time (the store never hands over an unbounded list) */
export function ticketsIn(tickets: { list(filter?: TicketFilter): TicketPage }, status: readonly TicketStatus[], pageSize = 500): TicketSummary[] {
  const out: TicketSummary[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = tickets.list({ status: [...status], limit: pageSize, offset });
    out.push(...page.tickets);
    if (page.tickets.length < pageSize || offset + pageSize >= page.total) return out;
  }
}
