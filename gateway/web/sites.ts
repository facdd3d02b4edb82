import type { FastifyInstance } from 'fastify';
import { html } from './html.js';
import { page, sendPage, signedIn } from './layout.js';
import type { WebDeps } from './types.js';

/** 站点 pages */
export function registerSitePages(app: FastifyInstance, _deps: WebDeps): void {
  app.get('/sites', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    return sendPage(reply, page({ title: '站点', principal: who, active: 'sites', body: html`<p class="card muted">—</p>` }));
  });
}
