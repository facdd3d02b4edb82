import type { FastifyInstance } from 'fastify';
import { html } from './html.js';
import { page, sendPage, signedIn } from './layout.js';
import type { WebDeps } from './types.js';

/** 工单 pages */
export function registerTicketPages(app: FastifyInstance, _deps: WebDeps): void {
  app.get('/tickets', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    return sendPage(reply, page({ title: '工单', principal: who, active: 'tickets', body: html`<p class="card muted">—</p>` }));
  });
}
