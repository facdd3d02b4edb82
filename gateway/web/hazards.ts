import type { FastifyInstance } from 'fastify';
import { html } from './html.js';
import { page, sendPage, signedIn } from './layout.js';
import type { WebDeps } from './types.js';

/** 隐患上报 pages */
export function registerHazardPages(app: FastifyInstance, _deps: WebDeps): void {
  app.get('/hazards/new', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    return sendPage(reply, page({ title: '隐患上报', principal: who, active: 'hazards', body: html`<p class="card muted">—</p>` }));
  });
}
