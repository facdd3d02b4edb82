import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../registry/loader.js';
import type { Principal } from '../auth/types.js';
import { pageHref, PAGE_SIZE, ticketFilter, TicketPageQuerySchema } from './ticketQuery.js';

const registry = loadRegistry();
const officer: Principal = { kind: 'session', username: 'OF-02', role: 'officer', officer: 'OF-02', address: '127.0.0.1' };
const chief: Principal = { kind: 'session', username: 'chen.kz', role: 'chief', address: '127.0.0.1' };

describe('the ticket list query (GET /tickets)', () => {
  it('reads a GET form with unset fields empty as no filter', () => {
    const q = TicketPageQuerySchema.parse({ level: '', status: '', category: '', enterprise: '', officer: '', overdue: '', page: '' });
    expect(q).toEqual({ page: 1 });
    expect(ticketFilter(q, registry, chief)).toEqual({ limit: PAGE_SIZE, offset: 0 });
  });

  it('takes levels by value or Chinese name, comma lists and repeated keys, overdue and the page', () => {
    const q = TicketPageQuerySchema.parse({ level: ['超标', 'control'], status: 'open,acknowledged', overdue: '1', page: '3', enterprise: 'E-05' });
    expect(q).toMatchObject({ level: ['exceedance', 'control'], status: ['open', 'acknowledged'], overdue: '1', page: 3, enterprise: 'E-05' });
    expect(ticketFilter(q, registry, chief)).toEqual({ level: ['exceedance', 'control'], status: ['open', 'acknowledged'], overdue: true, enterprise: 'E-05', limit: PAGE_SIZE, offset: 2 * PAGE_SIZE });
    expect(pageHref(q, 4)).toBe('/tickets?level=exceedance%2Ccontrol&status=open%2Cacknowledged&enterprise=E-05&overdue=1&page=4');
  });

  it('refuses a bad level, an unknown key and a page below 1, naming the field', () => {
    for (const [query, field] of [[{ level: 'severe' }, 'level'], [{ colour: 'red' }, 'colour'], [{ page: '0' }, 'page'], [{ overdue: 'maybe' }, 'overdue']] as const) {
      const r = TicketPageQuerySchema.safeParse(query);
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.error?.issues)).toContain(field);
    }
  });

  it('limits an officer to their scope exactly as GET /api/tickets does', () => {
    const f = ticketFilter(TicketPageQuerySchema.parse({}), registry, officer);
    expect(f.within?.enterprises).toContain('E-05');
    expect(f.within?.sites).toContain('WP-05');
    expect(f.within?.enterprises.every((e) => registry.enterprises.find((x) => x.id === e)?.officer === 'OF-02')).toBe(true);
  });
});
