import type { FastifyInstance } from 'fastify';
import { html } from './html.js';
import { page, sendPage, signedIn } from './layout.js';
import type { WebDeps } from './types.js';

/** 巡查 pages */
export function registerPatrolPages(app: FastifyInstance, _deps: WebDeps): void {
  app.get('/patrol', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    return sendPage(reply, page({ title: '巡查', principal: who, active: 'patrol', body: html`<p class="card muted">—</p>` }));
  });
}
