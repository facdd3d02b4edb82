import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { scopeOf, seesTicket } from '../auth/scope.js';
import type { Principal } from '../auth/types.js';
import { RULE_LEVEL_ZH, RULE_LEVELS } from '../registry/rules.js';
import type { TicketPage } from '../../processor/tickets/types.js';
import { TICKET_STATUSES } from '../../processor/tickets/types.js';
import { html, type Html } from './html.js';
import { errorPage, localTime, notFoundPage, page, sendPage, signedIn } from './layout.js';
import { renderTicket } from './ticketDetail.js';
import { pageHref, PAGE_SIZE, ticketFilter, TicketPageQuerySchema, type TicketPageQuery } from './ticketQuery.js';
import { CATEGORY_ZH, enterpriseName, factorZh, isOverdue, levelBadge, officerName, siteName, STATUS_ZH } from './ticketText.js';
import type { WebDeps } from './types.js';

/** every status but closed, in the lifecycle's order (the 未闭环 choice) */
const LIVE = TICKET_STATUSES.filter((s) => s !== 'closed').join(',');

const IdParams = z.strictObject({ id: z.string().trim().min(1).max(64) });

const option = (value: string, label: string, selected: boolean): Html => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;

/** the GET form of the list's filters (a person reloads or shares the URL) */
function filterForm(deps: WebDeps, p: Principal, q: TicketPageQuery): Html {
  const { registry } = deps;
  const scope = scopeOf(registry, p);
  const enterprises = registry.enterprises.filter((e) => scope.all || scope.enterprises.has(e.id));
  const one = (v: readonly string[] | undefined) => (v && v.length === 1 ? v[0] : undefined);
  return html`<form class="card filters" method="get" action="/tickets" data-testid="filters">
<label>级别 <select name="level"><option value="">全部</option>${RULE_LEVELS.map((l) => option(l, RULE_LEVEL_ZH[l], one(q.level) === l))}</select></label>
<label>状态 <select name="status"><option value="">全部</option>${option(LIVE, '未闭环', q.status?.join(',') === LIVE)}${TICKET_STATUSES.map((s) => option(s, STATUS_ZH[s], one(q.status) === s))}</select></label>
<label>类别 <select name="category"><option value="">全部</option>${Object.entries(CATEGORY_ZH).map(([c, zh]) => option(c, zh, q.category === c))}</select></label>
<label>企业 <select name="enterprise"><option value="">全部</option>${enterprises.map((e) => option(e.id, e.name, q.enterprise === e.id))}</select></label>
<label>包联干部 <select name="officer"><option value="">全部</option>${registry.officers.map((o) => option(o.id, `${o.name} (${o.id})`, q.officer === o.id))}</select></label>
<label>逾期 <select name="overdue"><option value="">全部</option>${option('1', '已逾期', q.overdue === '1')}${option('0', '未逾期', q.overdue === '0')}</select></label>
${q.site ? html`<label>站点 <input type="text" name="site" value="${q.site}" size="6"></label>` : ''}
<button type="submit">筛选</button> <a href="/tickets">清除</a>
</form>`;
}

function ticketTable(deps: WebDeps, list: TicketPage, now: number): Html {
  const { registry } = deps;
  if (list.tickets.length === 0) return html`<p class="card muted" data-testid="no-tickets">没有符合条件的工单 No tickets.</p>`;
  return html`<table class="cards" data-testid="tickets">
<thead><tr><th>编号</th><th>级别</th><th>站点 / 企业</th><th>因子</th><th>状态</th><th>开单时间</th><th>整改期限</th><th>包联干部</th></tr></thead>
<tbody>${list.tickets.map((t) => {
    const overdue = isOverdue(t, now);
    return html`<tr data-ticket="${t.id}">
<td data-label="编号"><a href="/tickets/${encodeURIComponent(t.id)}">${t.id}</a></td>
<td data-label="级别">${levelBadge(t.level)}</td>
<td data-label="站点">${siteName(registry, t.site)} <span class="muted">${t.site}</span>${t.enterprise ? html`<br>${enterpriseName(registry, t.enterprise)}` : ''}</td>
<td data-label="因子">${factorZh(registry, t.pollutant)}</td>
<td data-label="状态" data-testid="status">${STATUS_ZH[t.status]}</td>
<td data-label="开单">${localTime(t.openedAt)}</td>
<td data-label="期限">${localTime(t.deadline)}${overdue ? html` <span class="badge bad" data-testid="overdue">已逾期</span>` : ''}</td>
<td data-label="包联干部">${officerName(registry, t.officer)}</td>
</tr>`;
  })}</tbody></table>`;
}

function pager(q: TicketPageQuery, total: number): Html {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return html`<p class="pager" data-testid="pager">共 ${total} 条 · 第 ${q.page} / ${pages} 页
${q.page > 1 ? html`<a href="${pageHref(q, q.page - 1)}" rel="prev">上一页</a>` : ''}
${q.page < pages ? html`<a href="${pageHref(q, q.page + 1)}" rel="next">下一页</a>` : ''}</p>`;
}

/**
 * 工单 pages: GET /tickets (the list, filtered by a GET form, scoped like GET /api/tickets) and
 * GET /tickets/:id (facts, history, evidence, alert deliveries, the moves this person may make as forms
 * sent to POST /api/tickets/:id/transitions). Another officer's ticket is the 404 page, as in the API.
 */
export function registerTicketPages(app: FastifyInstance, deps: WebDeps): void {
  const now = deps.now ?? Date.now;
  app.get('/tickets', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const parsed = TicketPageQuerySchema.safeParse(req.query ?? {});
    if (!parsed.success) return errorPage(reply, who, 400, `筛选条件有误 (query): ${z.prettifyError(parsed.error)}`);
    const q = parsed.data;
    const list = deps.tickets.list(ticketFilter(q, deps.registry, who));
    const body = html`${filterForm(deps, who, q)}${ticketTable(deps, list, now())}${pager(q, list.total)}`;
    return sendPage(reply, page({ title: '工单', principal: who, active: 'tickets', body }));
  });

  app.get('/tickets/:id', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const params = IdParams.safeParse(req.params);
    if (!params.success) return errorPage(reply, who, 400, `工单编号有误 (path): ${z.prettifyError(params.error)}`);
    const ticket = deps.tickets.get(params.data.id);
    if (!ticket || !seesTicket(scopeOf(deps.registry, who), ticket)) return notFoundPage(reply, who, `没有工单 ${params.data.id} (no ticket ${params.data.id})`);
    const deliveries = deps.deliveries?.(ticket.id);
    return sendPage(reply, page({ title: `工单 ${ticket.id}`, principal: who, active: 'tickets', body: renderTicket(deps, who, ticket, now(), deliveries) }));
  });
}
