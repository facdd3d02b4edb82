import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { APP_CSS, APP_JS } from './assets.js';
import { html } from './html.js';
import { page, sendPage } from './layout.js';
import { registerTicketPages } from './tickets.js';
import { registerSitePages } from './sites.js';
import { registerPatrolPages } from './patrol.js';
import { registerHazardPages } from './hazards.js';
import type { WebDeps } from './types.js';

export type { WebDeps } from './types.js';

const LoginQuerySchema = z.object({ next: z.string().max(500).optional() });

/** a same-site path to go to after login; anything else (another origin, "//host") goes to the tickets */
export const safeNext = (next: string | undefined): string => (next && /^\/(?![/\\])/.test(next) ? next : '/tickets');

/**
 * The officers' web pages, served by the gateway (Chinese labels, usable on a phone, nothing from the
 * internet): pages are rendered on the server from the same services the API uses, with the same role
 * and scope checks; every change is made by the pages' forms through the JSON API (which authorises and
 * audits), so a page never has a second way to change anything. Call after registerAuth (the pages need
 * request.principal).
 */
export function registerWeb(app: FastifyInstance, deps: WebDeps): void {
  // A browser names the page's origin on every state-changing request: one from another site is refused
  // (the session cookie is SameSite=Strict already; this also covers API tokens kept by a browser page).
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    const origin = req.headers.origin;
    if (origin === undefined || origin === 'null') return;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      host = '';
    }
    if (host !== req.headers.host) return reply.code(403).send({ error: 'forbidden', message: `cross-site request refused: Origin ${origin.slice(0, 100)} is not this gateway` });
  });
  app.get('/web/app.css', async (_req, reply) => reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(APP_CSS));
  app.get('/web/app.js', async (_req, reply) => reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(APP_JS));
  app.get('/', async (req, reply) => reply.redirect(req.principal.kind === 'anonymous' ? '/login' : '/tickets', 303));
  app.get('/login', async (req, reply) => {
    const q = LoginQuerySchema.safeParse(req.query);
    const next = safeNext(q.success ? q.data.next : undefined);
    const body = html`<form class="card" data-api="/api/login" data-next="${next}">
<label for="username">用户名</label><input id="username" name="username" type="text" autocomplete="username" required>
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p class="form-error" role="alert"></p>
<button type="submit">登录</button>
</form>`;
    return sendPage(reply, page({ title: '登录', principal: req.principal, active: 'login', body }));
  });
  registerTicketPages(app, deps);
  registerSitePages(app, deps);
  registerPatrolPages(app, deps);
  registerHazardPages(app, deps);
}
