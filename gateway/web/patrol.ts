import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { scopeOf, seesSite } from '../auth/scope.js';
import type { Principal } from '../auth/types.js';
import type { PatrolStore } from '../../processor/patrol/index.js';
import type { PatrolSheet, SiteSheet } from '../../processor/patrol/types.js';
import { html, type Html } from './html.js';
import { errorPage, localTime, notFoundPage, page, sendPage, signedIn } from './layout.js';
import { partSites, reopenForm, signOffForm, signState, siteSection } from './patrolView.js';
import type { WebDeps } from './types.js';

const IdParams = z.strictObject({ id: z.string().regex(/^P-\d{8}-\d{4}$/, '巡查表编号格式应为 P-20261128-0830') });
const HistoryQuery = z.strictObject({ page: z.coerce.number().int().min(1).max(10_000).default(1) });
const PER_PAGE = 20;

/** the sheet as the person sees it: their own part first; an officer only their part and sites */
function sheetBody(sheet: PatrolSheet, store: PatrolStore, who: Principal, deps: WebDeps, now: number): Html {
  const scope = scopeOf(deps.registry, who);
  const mine = (o: string) => o === who.officer;
  const parts = sheet.officers.filter((p) => scope.all || mine(p.officer)).sort((a, b) => Number(mine(b.officer)) - Number(mine(a.officer)));
  const signOffs = store.signOffs(sheet.id);
  const chief = who.role === 'chief' || who.role === 'admin';
  const id = encodeURIComponent(sheet.id);
  const head = html`<div class="card">
<dl class="facts">
<dt>巡查时段</dt><dd>${localTime(sheet.period.start, sheet.timezone)} — ${localTime(sheet.period.end, sheet.timezone)}</dd>
<dt>生成时间</dt><dd>${localTime(sheet.producedAt, sheet.timezone)}</dd>
<dt>签收截止</dt><dd>${localTime(sheet.dueAt, sheet.timezone)}</dd>
</dl>
<p><a class="button secondary" href="/api/patrols/${id}?format=xlsx" download>下载日报 Excel</a><a class="button secondary" href="/api/patrols/${id}?format=csv" download>下载 CSV</a><a href="/patrol/history">历史巡查表</a></p>
</div>`;
  if (parts.length === 0) return html`${head}<p class="card muted">本巡查表中没有您负责的站点。</p>`;
  return html`${head}${parts.map((part) => {
    const signed = signOffs.find((s) => s.officer === part.officer);
    const groups = partSites(part, sheet).map((g) => ({ ...g, sites: g.sites.filter((s) => seesSite(scope, s.site)) }));
    const sites = groups.flatMap((g) => g.sites);
    const canSign = !signed && mine(part.officer) && (who.role === 'officer' || who.role === 'chief');
    return html`<section class="part" data-officer="${part.officer}">
<h2>${part.name}（${part.officer}）${mine(part.officer) ? html` <span class="badge">我的</span>` : ''}</h2>
${signState(sheet, signed, now)}
<details class="sites"${mine(part.officer) ? ' open' : ''}><summary>${partSummary(sites)}</summary>
${groups.map((g) => html`${g.heading ? html`<h3 class="muted">${g.heading}</h3>` : ''}${g.sites.map((s) => siteSection(s, signed?.remarks[s.site]))}`)}
</details>
${canSign ? signOffForm(sheet, sites) : ''}
${chief && signed ? reopenForm(sheet, part) : ''}
</section>`;
  })}`;
}

/** a part at a glance, folded for everyone but its own officer: sites, exceedances, warnings, offline devices, open tickets */
function partSummary(sites: readonly SiteSheet[]): string {
  const sum = (f: (s: SiteSheet) => number) => sites.reduce((n, s) => n + f(s), 0);
  return `站点明细：${sites.length} 个站点 · 超标 ${sum((s) => s.exceedances)} · 预警 ${sum((s) => s.warnings)} · 离线设备 ${sum((s) => s.offlineDevices.length)} · 未闭环工单 ${sum((s) => s.ticketsOpen.length)}`;
}

function noPatrol(reply: FastifyReply, who: Principal): FastifyReply {
  return sendPage(reply, page({ title: '巡查', principal: who, active: 'patrol', body: html`<p class="card muted">巡查表未启用（需要 InfluxDB 1.x）。</p>` }));
}

/**
 * 巡查 pages (每日2次巡查): the latest sheet (GET /patrol), a sheet (GET /patrol/:id) per officer part
 * and site with the sign-off form (POST /api/patrols/:id/sign-off, a remark per site), the signed state,
 * the 日报 downloads and, for chiefs, the reopening of a signed part (POST /api/patrols/:id/reopen);
 * past sheets (GET /patrol/history?page=). Read from the patrol store; changed only through the API.
 */
export function registerPatrolPages(app: FastifyInstance, deps: WebDeps): void {
  const now = deps.now ?? Date.now;

  app.get('/patrol', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const store = deps.patrol;
    if (!store) return noPatrol(reply, who);
    const latest = store.list({ limit: 1, offset: 0 }).sheets[0];
    const sheet = latest && store.get(latest.id);
    const body = sheet ? sheetBody(sheet, store, who, deps, now()) : html`<p class="card muted">还没有巡查表：第一张在下一个巡查时间生成。</p>`;
    return sendPage(reply, page({ title: sheet ? `巡查表 ${sheet.id}` : '巡查', principal: who, active: 'patrol', body }));
  });

  app.get('/patrol/history', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const store = deps.patrol;
    if (!store) return noPatrol(reply, who);
    const q = HistoryQuery.safeParse(req.query ?? {});
    if (!q.success) return errorPage(reply, who, 400, `页码有误：${z.prettifyError(q.error)}`);
    const { sheets, total } = store.list({ limit: PER_PAGE, offset: (q.data.page - 1) * PER_PAGE });
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    const body = html`${sheets.length === 0
      ? html`<p class="card muted">没有巡查表。</p>`
      : html`<table class="cards" data-testid="history"><thead><tr><th>巡查表</th><th>时段</th><th>签收截止</th><th>已签收</th></tr></thead><tbody>${sheets.map(
          (s) => html`<tr><td data-label="巡查表"><a href="/patrol/${encodeURIComponent(s.id)}">${s.id}</a></td><td data-label="时段">${localTime(s.periodStart)} — ${localTime(s.periodEnd)}</td><td data-label="签收截止">${localTime(s.dueAt)}</td><td data-label="已签收">${who.officer ? html`<span class="${s.signedBy.includes(who.officer) ? 'ok' : 'bad'}">${s.signedBy.includes(who.officer) ? '我已签收' : '我未签收'}</span> · ` : ''}${s.signedBy.length} 人</td></tr>`,
        )}</tbody></table>`}
<p class="muted">共 ${total} 张 · 第 ${q.data.page}/${pages} 页
${q.data.page > 1 ? html`<a href="/patrol/history?page=${q.data.page - 1}">上一页</a>` : ''}
${q.data.page < pages ? html`<a href="/patrol/history?page=${q.data.page + 1}">下一页</a>` : ''}</p>`;
    return sendPage(reply, page({ title: '历史巡查表', principal: who, active: 'patrol', body }));
  });

  app.get('/patrol/:id', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const store = deps.patrol;
    if (!store) return noPatrol(reply, who);
    const params = IdParams.safeParse(req.params);
    if (!params.success) return errorPage(reply, who, 400, '巡查表编号格式应为 P-20261128-0830');
    const sheet = store.get(params.data.id);
    if (!sheet) return notFoundPage(reply, who, `没有巡查表 ${params.data.id}`);
    return sendPage(reply, page({ title: `巡查表 ${sheet.id}`, principal: who, active: 'patrol', body: sheetBody(sheet, store, who, deps, now()) }));
  });
}
