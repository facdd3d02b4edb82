import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ANY_ROLE, auditDenied, auditedAction, principalOf, requireRole } from '../../gateway/auth/authorize.js';
import { scopeOf, seesSite, type Scope } from '../../gateway/auth/scope.js';
import type { AuditLog, Role } from '../../gateway/auth/types.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { sheetCsv } from './csv.js';
import { sheetXlsx } from './xlsx.js';
import type { PatrolStore } from './store.js';
import type { PatrolSheet } from './types.js';

const IdParams = z.strictObject({ id: z.string().regex(/^P-\d{8}-\d{4}$/, 'a patrol sheet id looks like P-20261127-1630') });
const SnapParams = z.strictObject({ id: IdParams.shape.id, snap: z.string().regex(/^[A-Z]{2}-\d{2}-\d{1,16}-[0-9a-f]{12}$/, 'a snapshot id looks like RO-01-1764232200000-0123456789ab') });
const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});
const SheetQuery = z.strictObject({ format: z.enum(['json', 'csv', 'xlsx']).default('json') });
/** the officer's remarks, site id → text; the signer is the signed-in principal */
export const SignOffBodySchema = z.strictObject({
  remarks: z.record(z.string().regex(/^(RO|WP|AQ|WS)-\d{2}$/, 'remarks are keyed by site id (RO-01, WP-12 …)'), z.string().trim().max(2000)).default({}),
});

/** a chief reopens an officer's signed part: whose, and why (kept with the history and in the audit log) */
export const ReopenBodySchema = z.strictObject({
  officer: z.string().regex(/^OF-\d{2,}$/, 'officer is a registry officer id (OF-01 …)'),
  reason: z.string().trim().min(1, 'reason is required: why the part is reopened').max(500),
});

/** who may reopen a signed part */
const REOPENING_ROLES: readonly Role[] = ['chief'];

/** who may sign: an officer, or a chief who is also a registry officer; each signs their own part */
const SIGNING_ROLES: readonly Role[] = ['officer', 'chief'];

export interface PatrolRouteDeps {
  audit: AuditLog;
  registry: Registry;
  /** epoch ms of a sign-off (default Date.now) */
  now?: () => number;
  /** a stored camera image by snapshot id (processor/snapshots store read) */
  image?: (snapshotId: string) => Buffer | undefined;
}

const badRequest = (reply: FastifyReply, where: string, error: z.ZodError) => reply.code(400).send({ error: 'bad request', where, message: z.prettifyError(error) });
const notFound = (reply: FastifyReply, id: string) => reply.code(404).send({ error: 'not found', message: `no patrol sheet ${id}` });

/** an officer sees their sites and their own part of the sheet; chief, admin and viewer all of it */
function scoped(sheet: PatrolSheet, scope: Scope, officer: string | undefined): PatrolSheet {
  if (scope.all) return sheet;
  return { ...sheet, sites: sheet.sites.filter((s) => seesSite(scope, s.site)), officers: sheet.officers.filter((p) => p.officer === officer) };
}

/**
 * Patrol HTTP API (每日2次巡查; authorised like the ticket routes, issue 11):
 *   GET  /api/patrols?limit=&offset=          sheets, newest period first, with who has signed
 *   GET  /api/patrols/:id?format=json|csv|xlsx  the sheet (an officer: their sites only) with its sign-offs;
 *                                             csv / xlsx: the 日报 as a download (csv UTF-8 with BOM)
 *   POST /api/patrols/:id/sign-off            { remarks: { "WP-01": "..." } } — the officer signs their part
 *   GET  /api/patrols/:id/snapshots/:snap     the camera image on a site's entry (image/jpeg), if the reader sees the site
 *   POST /api/patrols/:id/reopen              { officer, reason } — a chief reopens an officer's signed part
 *                                             (the sign-off is kept in `reopened`, the part can be signed again)
 * 401 anonymous, 403 wrong role or no officer part, 400 invalid input (zod message), 404 unknown sheet,
 * 409 already signed by that officer (sign-off) or not signed (reopen). Every sign-off and reopening,
 * done or refused, is audited.
 */
export function registerPatrolRoutes(app: FastifyInstance, store: PatrolStore, deps: PatrolRouteDeps): void {
  const { audit, registry } = deps;
  const now = deps.now ?? Date.now;
  const readers = { preHandler: requireRole(ANY_ROLE) };

  app.get('/api/patrols', readers, async (req, reply) => {
    const q = ListQuery.safeParse(req.query ?? {});
    if (!q.success) return badRequest(reply, 'query', q.error);
    return { ...store.list(q.data), limit: q.data.limit, offset: q.data.offset };
  });

  app.get('/api/patrols/:id', readers, async (req, reply) => {
    const params = IdParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'path', params.error);
    const q = SheetQuery.safeParse(req.query ?? {});
    if (!q.success) return badRequest(reply, 'query', q.error);
    const p = principalOf(req);
    const sheet = store.get(params.data.id);
    if (!sheet) return notFound(reply, params.data.id);
    const scope = scopeOf(registry, p);
    const visible = scoped(sheet, scope, p.officer);
    const signOffs = store.signOffs(sheet.id).filter((s) => scope.all || s.officer === p.officer);
    const reopened = store.reopened(sheet.id).filter((s) => scope.all || s.officer === p.officer);
    if (q.data.format === 'xlsx') {
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${sheet.id}.xlsx"; filename*=UTF-8''${encodeURIComponent(`巡查日报-${sheet.id}.xlsx`)}`)
        .send(await sheetXlsx(visible, signOffs, registry.park.nameZh ?? registry.park.name));
    }
    if (q.data.format === 'csv') {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${sheet.id}.csv"; filename*=UTF-8''${encodeURIComponent(`巡查日报-${sheet.id}.csv`)}`)
        .send(sheetCsv(visible, signOffs));
    }
    return { ...visible, signOffs, reopened };
  });

  app.get('/api/patrols/:id/snapshots/:snap', readers, async (req, reply) => {
    const params = SnapParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'path', params.error);
    const { id, snap } = params.data;
    const scope = scopeOf(registry, principalOf(req));
    const entry = store.get(id)?.sites.find((s) => s.snapshot && 'id' in s.snapshot && s.snapshot.id === snap);
    const img = entry && seesSite(scope, entry.site) ? deps.image?.(snap) : undefined;
    if (!img) return reply.code(404).send({ error: 'not found', message: `no snapshot ${snap} on patrol sheet ${id}` });
    return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=86400, immutable').header('x-content-type-options', 'nosniff').send(img);
  });

  app.post('/api/patrols/:id/sign-off', async (req, reply) => {
    const start = auditedAction(req, reply, { audit, roles: SIGNING_ROLES, action: 'patrol.sign-off', kind: 'patrol', params: IdParams });
    if (!start) return reply;
    const { p, params, id, target } = start;
    if (!p.officer) {
      auditDenied(audit, p, 'patrol.sign-off', target, `${p.username} is no registry officer`);
      return reply.code(403).send({ error: 'forbidden', message: 'only an officer (包联干部) signs a patrol sheet: your user is not linked to one' });
    }
    if (!params.success) return badRequest(reply, 'path', params.error);
    const body = SignOffBodySchema.safeParse(req.body ?? {});
    if (!body.success) {
      auditDenied(audit, p, 'patrol.sign-off', target, `invalid body: ${z.prettifyError(body.error)}`);
      return badRequest(reply, 'body', body.error);
    }
    const sheet = store.get(id);
    if (!sheet) return notFound(reply, id);
    const part = sheet.sites.filter((s) => s.officer === p.officer).map((s) => s.site);
    if (part.length === 0) {
      auditDenied(audit, p, 'patrol.sign-off', target, `officer ${p.officer} has no sites on the sheet`);
      return reply.code(403).send({ error: 'forbidden', message: `officer ${p.officer} has no part of sheet ${id} to sign` });
    }
    const foreign = Object.keys(body.data.remarks).filter((s) => !part.includes(s));
    if (foreign.length) {
      auditDenied(audit, p, 'patrol.sign-off', target, `remarks on sites outside the part: ${foreign.join(', ')}`);
      return reply.code(400).send({ error: 'bad request', where: 'body.remarks', message: `remarks only on your sites (${part.join(', ')}); not ${foreign.join(', ')}` });
    }
    const signOff = { sheet: id, officer: p.officer, by: p.username, at: now(), remarks: body.data.remarks };
    const entry = { actor: p.username, ...(p.role ? { actorRole: p.role } : {}), address: p.address, action: 'patrol.sign-off', target };
    if (!store.signOff(signOff)) {
      const first = store.signOffs(id).find((s) => s.officer === p.officer);
      audit.append({ ...entry, outcome: 'failed', reason: `already signed by ${first?.by ?? '?'}` });
      return reply.code(409).send({ error: 'conflict', message: `officer ${p.officer}'s part of ${id} was already signed off by ${first?.by ?? '?'}` });
    }
    const stored = store.signOffs(id).find((s) => s.officer === p.officer) ?? { ...signOff, revision: 1 };
    audit.append({ ...entry, outcome: 'ok', after: { officer: p.officer, sites: part.length, remarks: Object.keys(signOff.remarks).length, late: signOff.at > sheet.dueAt, revision: stored.revision } });
    return reply.code(201).send({ ...stored, late: signOff.at > sheet.dueAt });
  });

  app.post('/api/patrols/:id/reopen', async (req, reply) => {
    const start = auditedAction(req, reply, { audit, roles: REOPENING_ROLES, action: 'patrol.reopen', kind: 'patrol', params: IdParams });
    if (!start) return reply;
    const { p, params, id, target } = start;
    if (!params.success) return badRequest(reply, 'path', params.error);
    const body = ReopenBodySchema.safeParse(req.body ?? {});
    if (!body.success) {
      auditDenied(audit, p, 'patrol.reopen', target, `invalid body: ${z.prettifyError(body.error)}`);
      return badRequest(reply, 'body', body.error);
    }
    const sheet = store.get(id);
    if (!sheet) return notFound(reply, id);
    const { officer, reason } = body.data;
    const entry = { actor: p.username, ...(p.role ? { actorRole: p.role } : {}), address: p.address, action: 'patrol.reopen', target };
    if (!sheet.sites.some((s) => s.officer === officer)) {
      audit.append({ ...entry, outcome: 'failed', reason: `officer ${officer} has no part of the sheet` });
      return reply.code(404).send({ error: 'not found', message: `officer ${officer} has no part of sheet ${id}` });
    }
    const reopened = store.reopen({ sheet: id, officer, by: p.username, at: now(), reason });
    if (!reopened) {
      audit.append({ ...entry, outcome: 'failed', reason: `officer ${officer}'s part is not signed` });
      return reply.code(409).send({ error: 'conflict', message: `officer ${officer}'s part of ${id} is not signed off: nothing to reopen` });
    }
    audit.append({ ...entry, outcome: 'ok', before: { officer, by: reopened.by, at: reopened.at, revision: reopened.revision }, after: { officer, reopened: true, reason } });
    return reply.code(200).send(reopened);
  });
}
