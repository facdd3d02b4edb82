import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { clip } from '../auth/authorize.js';
import type { AuditLog } from '../auth/types.js';
import type { Registry } from '../registry/schema.js';
import type { TicketService } from '../../processor/tickets/service.js';
import type { Ticket } from '../../processor/tickets/types.js';
import { html } from './html.js';
import { page, sendPage } from './layout.js';
import { ticketCard } from './ackPage.js';
import { STATUS_ZH } from './ticketText.js';
import { AckTokenSchema, verifyAckToken, type AckClaims } from './ackToken.js';

export interface AckDeps {
  registry: Registry;
  tickets: TicketService;
  audit: AuditLog;
  /** the links' HMAC key (ackToken.ts linkKey) */
  key: Buffer;
  /** epoch ms; injected for tests */
  now?: () => number;
}

const TokenParams = z.strictObject({ token: AckTokenSchema });
/** what the confirm form sends: nothing, or a note for the history */
const AckBodySchema = z.strictObject({ note: z.string().trim().max(500).optional() });

type Refused = { status: number; error: string; message: string; claims?: AckClaims; ticket?: Ticket };
type Checked = { ok: true; claims: AckClaims; ticket: Ticket } | ({ ok: false } & Refused);

/**
 * The token, the ticket it names, and whether that ticket can still be acknowledged by the link:
 * 400 malformed, 403 forged or the ticket passed to another officer, 410 expired, 404 unknown ticket,
 * 409 closed or already acknowledged (the ticket is still returned so that the page can show it).
 */
function check(deps: AckDeps, raw: unknown): Checked {
  const params = TokenParams.safeParse(raw);
  if (!params.success) return { ok: false, status: 400, error: 'bad request', message: '签收链接格式不正确 (path.token: not an acknowledgement link token)' };
  const v = verifyAckToken(deps.key, params.data.token, (deps.now ?? Date.now)());
  if (!v.ok) return { ok: false, status: v.why === 'expired' ? 410 : v.why === 'forged' ? 403 : 400, error: v.why, message: v.message, ...(v.claims ? { claims: v.claims } : {}) };
  const { claims } = v;
  const ticket = deps.tickets.get(claims.ticket);
  if (!ticket) return { ok: false, status: 404, error: 'not found', message: `工单 ${claims.ticket} 不存在 (no such ticket)`, claims };
  if (ticket.officer !== claims.officer) return { ok: false, status: 403, error: 'forbidden', message: '此工单已转交其他负责人，链接不再有效 (the ticket is now another officer’s)', claims };
  if (ticket.status === 'closed') return { ok: false, status: 409, error: 'conflict', message: '工单已闭环，无需签收 (the ticket is closed)', claims, ticket };
  if (ticket.status !== 'open') return { ok: false, status: 409, error: 'conflict', message: `工单已签收，当前状态：${STATUS_ZH[ticket.status]} (already acknowledged)`, claims, ticket };
  return { ok: true, claims, ticket };
}

const tokenOf = (req: FastifyRequest) => clip(String((req.params as { token?: unknown }).token ?? ''), 300);

/**
 * Acknowledgement by the link in an alert (签收链接), for officers on a phone without signing in:
 *   GET  /ack/:token       a confirm page showing the ticket; it changes NOTHING (WeCom's link preview fetches it)
 *   POST /api/ack/:token   acknowledges the ticket as the link's officer (open → acknowledged), audited as
 *                          ticket.transition with after.via 'link'; JSON answer
 * Expired, forged or malformed links, a ticket closed, already acknowledged or passed to another officer get a
 * clear page (GET) or JSON error (POST) saying so; every refused POST is audited too.
 */
export function registerAckRoutes(app: FastifyInstance, deps: AckDeps): void {
  const { registry, audit } = deps;
  const now = () => (deps.now ?? Date.now)();

  app.get('/ack/:token', async (req, reply) => {
    const c = check(deps, req.params);
    const principal = req.principal;
    if (c.ok) {
      const body = html`${ticketCard(registry, c.ticket, now())}
<form class="card" data-api="/api/ack/${tokenOf(req)}">
<p>确认以负责人身份签收此工单？签收后请尽快组织整改。</p>
<p class="form-error" role="alert"></p>
<button type="submit" data-testid="ack-confirm">确认签收</button>
</form>`;
      return sendPage(reply, page({ title: '签收工单', principal, active: 'none', body }));
    }
    // already acknowledged (or later): the page shows the ticket and says so, as a success to the one who just did
    const done = c.ticket && c.ticket.status !== 'closed';
    const body = html`<p class="card ${done ? 'ok' : 'bad'}" data-testid="ack-message">${c.message}</p>${c.ticket ? ticketCard(registry, c.ticket, now()) : ''}`;
    return sendPage(reply, page({ title: done ? '工单已签收' : '无法签收', principal, active: 'none', body }), done ? 200 : c.status);
  });

  app.post('/api/ack/:token', async (req, reply) => {
    const c = check(deps, req.params);
    const target = `ticket:${c.claims?.ticket ?? 'unknown'}`;
    const base = { actor: c.claims?.officer ?? 'anonymous', ...(c.claims ? { actorRole: 'officer' as const } : {}), address: req.ip, action: 'ticket.transition', target };
    const fail = (r: Refused, outcome: 'denied' | 'failed') => {
      audit.append({ ...base, outcome, reason: clip(`${r.message} (link ${tokenOf(req).slice(0, 16)}…)`), after: { via: 'link', requested: 'acknowledged' } });
      return sendJson(reply, r.status, { error: r.error, message: r.message });
    };
    if (!c.ok) return fail(c, c.status === 409 || c.status === 404 ? 'failed' : 'denied');
    const body = AckBodySchema.safeParse(req.body ?? {});
    if (!body.success) return fail({ status: 400, error: 'bad request', message: `body: ${z.prettifyError(body.error)}` }, 'denied');
    const note = body.data.note ? `签收链接: ${body.data.note}` : '签收链接 (acknowledged by link)';
    const out = deps.tickets.transition(c.ticket.id, { to: 'acknowledged', actor: c.claims.officer, note });
    if (!out.ok) return fail({ status: out.code === 'not_found' ? 404 : 409, error: out.code, message: out.reason }, 'failed');
    audit.append({ ...base, outcome: 'ok', before: { status: c.ticket.status }, after: { status: out.ticket.status, via: 'link' } });
    return sendJson(reply, 200, { id: out.ticket.id, status: out.ticket.status, officer: c.claims.officer });
  });
}

const sendJson = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).send(body);
