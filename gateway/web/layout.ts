import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Role } from '../auth/types.js';
import { html, type Html } from './html.js';

/** The pages' Content-Security-Policy: only the gateway's own stylesheet, script and images; no framing */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export type NavKey = 'tickets' | 'patrol' | 'hazards' | 'sites' | 'login' | 'none';

const NAV: readonly { key: NavKey; href: string; label: string }[] = [
  { key: 'tickets', href: '/tickets', label: '工单' },
  { key: 'patrol', href: '/patrol', label: '巡查' },
  { key: 'hazards', href: '/hazards/new', label: '隐患上报' },
  { key: 'sites', href: '/sites', label: '站点' },
];

export const ROLE_ZH: Record<Role, string> = { viewer: '查看', officer: '包联干部', chief: '科长', admin: '管理员' };

export interface PageOptions {
  /** the page's title, Chinese first */
  title: string;
  principal: Principal;
  active: NavKey;
  body: Html;
}

/** a whole document: usable on a phone (viewport), Chinese, the gateway's own CSS and script only */
export function page(o: PageOptions): string {
  const p = o.principal;
  const signedIn = p.kind !== 'anonymous';
  return html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · 园区环保</title>
<link rel="stylesheet" href="/web/app.css">
<script src="/web/app.js" defer></script>
</head>
<body>
<header class="top">
<span class="brand">园区环保监管</span>
${signedIn ? NAV.map((n) => html`<a href="${n.href}" class="${n.key === o.active ? 'active' : ''}">${n.label}</a>`) : ''}
${signedIn ? html`<span class="who" data-testid="who">${p.username}${p.role ? html` · ${ROLE_ZH[p.role]}` : ''}</span><form data-api="/api/logout" data-next="/login"><button type="submit">退出</button></form>` : ''}
</header>
<main>
<h1>${o.title}</h1>
${o.body}
</main>
</body>
</html>`.__html;
}

/** sends a page with the page CSP (API answers keep their stricter one) */
export function sendPage(reply: FastifyReply, doc: string, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('cache-control', 'no-store').send(doc);
}

/**
 * The signed-in person, or undefined after answering: anonymous visitors are sent to the login page
 * (303, with the page they wanted as `next`).
 */
export function signedIn(req: FastifyRequest, reply: FastifyReply): Principal | undefined {
  if (req.principal.kind !== 'anonymous') return req.principal;
  void reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
  return undefined;
}

/** a page saying what was not found (also for items outside the person's scope: they do not exist for them) */
export function notFoundPage(reply: FastifyReply, principal: Principal, what: string): FastifyReply {
  return sendPage(reply, page({ title: '未找到 Not found', principal, active: 'none', body: html`<p class="card">${what}</p><p><a href="/tickets">返回工单</a></p>` }), 404);
}

/** a page explaining a refused request (bad filter, role not allowed) */
export function errorPage(reply: FastifyReply, principal: Principal, status: number, message: string): FastifyReply {
  return sendPage(reply, page({ title: status === 403 ? '无权限 Forbidden' : '请求有误 Bad request', principal, active: 'none', body: html`<p class="card bad">${message}</p>` }), status);
}

/** epoch ms as park-local time (Asia/Shanghai), "2026-11-28 08:30" */
export function localTime(ms: number | undefined, timeZone = 'Asia/Shanghai'): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
