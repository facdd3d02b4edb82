import { describe, expect, it } from 'vitest';
import { ticketsIn } from './paging.js';
import type { TicketFilter, TicketSummary } from './types.js';

describe('ticketsIn', () => {
  it('reads every ticket of the statuses a page at a time, however many pages', () => {
    const all = Array.from({ length: 1201 }, (_, i) => ({ id: `WO-${i}`, status: i % 3 === 0 ? 'closed' : 'open' }) as TicketSummary);
    const asked: TicketFilter[] = [];
    const list = (f: TicketFilter = {}) => {
      asked.push(f);
      const match = all.filter((t) => f.status!.includes(t.status));
      return { tickets: match.slice(f.offset, f.offset! + f.limit!), total: match.length };
    };
    const open = ticketsIn({ list }, ['open'], 100);
    expect(open.map((t) => t.id)).toEqual(all.filter((t) => t.status === 'open').map((t) => t.id));
    expect(asked).toHaveLength(Math.ceil(open.length / 100));
    expect(asked.every((f) => f.limit === 100 && f.status!.join() === 'open')).toBe(true);
    expect(ticketsIn({ list: () => ({ tickets: [], total: 0 }) }, ['open'])).toEqual([]);
  });
});
