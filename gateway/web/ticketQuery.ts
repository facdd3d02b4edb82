import { z } from 'zod';
import type { Principal } from '../auth/types.js';
import { scopeOf } from '../auth/scope.js';
import type { Registry } from '../registry/schema.js';
import { TicketCategorySchema, TicketLevelSchema, TicketStatusSchema, type TicketFilter } from '../../processor/tickets/types.js';

/** tickets per page of the list */
export const PAGE_SIZE = 20;

/** a GET form sends every field, unset ones empty: those count as absent */
const blank = (v: unknown) => (v === '' || (Array.isArray(v) && v.every((x) => x === '')) ? undefined : v);
/** repeated keys (?status=open&status=closed) and comma lists alike */
const list = (v: unknown) => (Array.isArray(v) ? v.filter((x) => x !== '').join(',') : v);
const LEVEL_WORDS: Record<string, string> = { 预警: 'warning', 管控: 'control', 超标: 'exceedance' };
const ident = z.string().trim().min(1).max(64);

const listOf = <T extends z.ZodType<unknown, string>>(item: T, what: string) =>
  z.preprocess(
    (v) => blank(list(v)),
    z
      .string()
      .max(300)
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean).map((x) => LEVEL_WORDS[x] ?? x))
      .pipe(z.array(item).min(1, `${what} needs at least one value`))
      .optional(),
  );

/**
 * The list page's query string (GET /tickets): the filters of GET /api/tickets that officers use, the
 * level also by its Chinese name (预警 管控 超标), `overdue` (1 = only overdue, 0 = only not overdue), and
 * a 1-based `page`. Unknown keys are refused, like the API's.
 */
export const TicketPageQuerySchema = z.strictObject({
  level: listOf(TicketLevelSchema, 'level'),
  status: listOf(TicketStatusSchema, 'status'),
  category: z.preprocess(blank, TicketCategorySchema.optional()),
  enterprise: z.preprocess(blank, ident.optional()),
  site: z.preprocess(blank, ident.optional()),
  officer: z.preprocess(blank, ident.optional()),
  overdue: z.preprocess(blank, z.enum(['1', '0']).optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(100_000).default(1)),
});
export type TicketPageQuery = z.infer<typeof TicketPageQuerySchema>;

/**
 * The service filter for a page of the list, with the person's scope applied exactly as GET /api/tickets
 * does (an officer's list holds only the tickets of their sites and enterprises).
 */
export function ticketFilter(q: TicketPageQuery, registry: Registry, p: Principal): TicketFilter {
  const filter: TicketFilter = { limit: PAGE_SIZE, offset: (q.page - 1) * PAGE_SIZE };
  if (q.level) filter.level = q.level;
  if (q.status) filter.status = q.status;
  if (q.category) filter.category = q.category;
  if (q.enterprise) filter.enterprise = q.enterprise;
  if (q.site) filter.site = q.site;
  if (q.officer) filter.officer = q.officer;
  if (q.overdue) filter.overdue = q.overdue === '1';
  const scope = scopeOf(registry, p);
  if (!scope.all) filter.within = { sites: [...scope.sites], enterprises: [...scope.enterprises] };
  return filter;
}

/** the query string of the same filters at another page */
export function pageHref(q: TicketPageQuery, page: number): string {
  const u = new URLSearchParams();
  if (q.level) u.set('level', q.level.join(','));
  if (q.status) u.set('status', q.status.join(','));
  for (const k of ['category', 'enterprise', 'site', 'officer', 'overdue'] as const) if (q[k]) u.set(k, q[k]);
  u.set('page', String(page));
  return `/tickets?${u.toString()}`;
}
