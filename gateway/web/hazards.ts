import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { scopeOf, seesSite, seesTicket } from '../auth/scope.js';
import { html } from './html.js';
import { errorPage, localTime, notFoundPage, page, sendPage, signedIn } from './layout.js';
import { hazardActions, hazardFacts, hazardForm, photoList } from './hazardView.js';
import { STATUS_ZH } from './ticketText.js';
import type { WebDeps } from './types.js';

const IdParams = z.strictObject({ id: z.string().regex(/^WO-\d{8}-\d{4,}$/) });

/**
 * 隐患上报 pages: the report form (GET /hazards/new; sent to POST /api/hazards as multipart) with the
 * person's recent hazards, and a hazard's page (GET /hazards/:id) with its photos, the upload of the fix
 * photo and the lifecycle moves (all through the API, which authorises and audits).
 */
export function registerHazardPages(app: FastifyInstance, deps: WebDeps): void {
  const { registry, tickets } = deps;
  const now = deps.now ?? Date.now;

  app.get('/hazards/new', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const scope = scopeOf(registry, who);
    const acts = who.role === 'officer' || who.role === 'chief' || who.role === 'admin';
    const sites = registry.sites.filter((s) => seesSite(scope, s.id));
    const recent = tickets.list({ category: 'hazard', limit: 10, ...(scope.all ? {} : { within: { sites: [...scope.sites], enterprises: [...scope.enterprises] } }) });
    const body = html`${acts ? hazardForm(sites) : html`<p class="card muted">只有包联干部、科长和管理员可以上报隐患。</p>`}
<h2>最近上报的隐患</h2>
${recent.tickets.length === 0
  ? html`<p class="muted">暂无</p>`
  : html`<table class="cards"><thead><tr><th>工单</th><th>站点</th><th>状态</th><th>整改期限</th></tr></thead><tbody>${recent.tickets.map(
      (t) => html`<tr><td data-label="工单"><a href="/hazards/${encodeURIComponent(t.id)}">${t.id}</a></td><td data-label="站点">${t.site}</td><td data-label="状态">${STATUS_ZH[t.status]}</td><td data-label="整改期限">${localTime(t.deadline)}</td></tr>`,
    )}</tbody></table>`}`;
    return sendPage(reply, page({ title: '隐患上报', principal: who, active: 'hazards', body }));
  });

  app.get('/hazards/:id', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const params = IdParams.safeParse(req.params);
    if (!params.success) return errorPage(reply, who, 400, '工单编号格式应为 WO-20261128-0001');
    const t = tickets.get(params.data.id);
    if (!t || t.category !== 'hazard' || !seesTicket(scopeOf(registry, who), t)) return notFoundPage(reply, who, `没有隐患工单 ${params.data.id}`);
    const acts = who.role === 'officer' || who.role === 'chief' || who.role === 'admin';
    const body = html`${hazardFacts(t, registry, now())}
<section class="card"><h2>照片</h2>${photoList(t)}</section>
${acts ? hazardActions(t) : ''}
<section class="card"><h2>处理记录</h2><ul>${t.history.map((h) => html`<li>${localTime(h.at)} ${h.actor}：${h.from === h.to ? '' : html`${STATUS_ZH[h.from]} → ${STATUS_ZH[h.to]} `}${h.note ?? ''}</li>`)}</ul></section>`;
    return sendPage(reply, page({ title: `隐患 ${t.id}`, principal: who, active: 'hazards', body }));
  });
}
