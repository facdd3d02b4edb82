import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ANY_ROLE, auditDenied, auditedAction, clip, principalOf, refusal, refuse, requireRole } from '../../gateway/auth/authorize.js';
import { scopeOf, seesSite, seesTicket } from '../../gateway/auth/scope.js';
import type { AuditLog, Principal, Role } from '../../gateway/auth/types.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { TicketService } from '../tickets/service.js';
import type { Evidence } from '../tickets/types.js';
import { isPhotoId, type PhotoStore } from './photos.js';
import { hazardReportSchema, PhotoFieldsSchema } from './report.js';
import { HAZARD_TYPE_ZH, PHOTO_STAGE_ZH, type HazardNote, type PhotoEvidence, type PhotoStage } from './types.js';
import { MAX_UPLOAD_BYTES, readUpload, type Photo } from './upload.js';

export interface HazardRouteDeps {
  tickets: TicketService;
  audit: AuditLog;
  registry: Registry;
  photos: PhotoStore;
  /** epoch ms (default Date.now): deadlines are checked against it */
  now?: () => number;
}

/** who reports hazards and adds photos: officers (their scope), chiefs and admins; viewers only read */
const ACTING_ROLES: readonly Role[] = ['officer', 'chief', 'admin'];
const TicketParams = z.strictObject({ id: z.string().regex(/^WO-\d{8}-\d{4,}$/, 'a ticket id looks like WO-20261128-0001') });
const PhotoParams = z.strictObject({ id: TicketParams.shape.id, photoId: z.string().refine(isPhotoId, 'a photo id is the 64 hex digits of its SHA-256') });

const entryOf = (p: Principal, action: string, target: string) => ({ actor: p.username, ...(p.role ? { actorRole: p.role } : {}), address: p.address, action, target });
const badRequest = (reply: FastifyReply, where: string, error: z.ZodError) => reply.code(400).send({ error: 'bad request', where, message: z.prettifyError(error) });
const notFound = (reply: FastifyReply, message: string) => reply.code(404).send({ error: 'not found', message });

/** stores the photos and returns their evidence (kind 'photo') */
function keep(photos: PhotoStore, list: readonly Photo[], stage: PhotoStage, by: string): Omit<Evidence, 'at'>[] {
  return list.map((ph) => {
    const { id, bytes } = photos.put(ph.data);
    const data: PhotoEvidence = { id, ...(ph.name ? { name: ph.name } : {}), stage, contentType: ph.contentType, bytes, by };
    return { kind: 'photo', data };
  });
}

/**
 * Hazards found on the patrol (隐患上报) and ticket photos (multipart, @fastify/multipart registered in
 * this plugin's scope only; the request body limit is raised for these routes only):
 *   POST /api/hazards                          type, site, description, deadline?, photos (1..6, ≤ 5 MB, JPEG/PNG)
 *                                              → 201 the hazard ticket (category 'hazard')
 *   POST /api/tickets/:id/photos               stage (found|fixed, default fixed), note?, photos → 201 the ticket
 *   GET  /api/tickets/:id/photos/:photoId      the image, to whoever may read the ticket
 * Officers act within their scope (a site or ticket outside it is 404), chiefs and admins everywhere;
 * viewers read. 401 anonymous, 403 wrong role, 400 invalid fields, 413 too large or too many photos, 415
 * not JPEG/PNG or not multipart, 409 closed ticket. Audited: hazard.report, ticket.photo (ok, denied, failed).
 */
export async function hazardRoutes(app: FastifyInstance, deps: HazardRouteDeps): Promise<void> {
  const { tickets, audit, registry, photos } = deps;
  const now = deps.now ?? Date.now;
  await app.register(multipart, { throwFileSizeLimit: true });
  const upload = { bodyLimit: MAX_UPLOAD_BYTES };

  app.post('/api/hazards', upload, async (req, reply) => {
    const p = principalOf(req);
    const denied = refusal(p, ACTING_ROLES);
    if (denied) {
      auditDenied(audit, p, 'hazard.report', 'hazard:new', denied.message);
      return refuse(reply, denied);
    }
    const form = await readUpload(req);
    if (!form.ok) {
      auditDenied(audit, p, 'hazard.report', 'hazard:new', `${form.where}: ${form.message}`);
      return reply.code(form.status).send({ error: 'bad upload', where: form.where, message: form.message });
    }
    const parsed = hazardReportSchema(now(), registry.park.timezone).safeParse(form.fields);
    if (!parsed.success) {
      auditDenied(audit, p, 'hazard.report', 'hazard:new', `invalid fields: ${z.prettifyError(parsed.error)}`);
      return badRequest(reply, 'body', parsed.error);
    }
    const r = parsed.data;
    const site = registry.sites.find((s) => s.id === r.site);
    if (!site || !seesSite(scopeOf(registry, p), r.site)) {
      if (site) auditDenied(audit, p, 'hazard.report', `site:${r.site}`, `site ${r.site} is outside the scope of officer ${p.officer ?? '?'}`);
      return notFound(reply, `no site ${r.site}${site ? ' in your scope' : ''}`);
    }
    const label = HAZARD_TYPE_ZH[r.type];
    const note: HazardNote = { hazard: r.type, label, description: r.description, by: p.username };
    const ticket = tickets.openHazard({
      site: r.site,
      actor: p.username,
      note: `隐患上报 ${label}：${r.description}`,
      deadline: r.deadline,
      evidence: [{ kind: 'note', data: note }, ...keep(photos, form.photos, 'found', p.username)],
    });
    audit.append({ ...entryOf(p, 'hazard.report', `ticket:${ticket.id}`), outcome: 'ok', reason: clip(`${label}: ${r.description}`), after: { site: r.site, type: r.type, deadline: r.deadline, photos: form.photos.length } });
    return reply.code(201).send({ ticket: tickets.get(ticket.id) });
  });

  app.post('/api/tickets/:id/photos', upload, async (req, reply) => {
    const start = auditedAction(req, reply, { audit, roles: ACTING_ROLES, action: 'ticket.photo', kind: 'ticket', params: TicketParams });
    if (!start) return reply;
    const { p, params, id, target } = start;
    if (!params.success) return badRequest(reply, 'path', params.error);
    const before = tickets.get(id);
    if (!before || !seesTicket(scopeOf(registry, p), before)) {
      if (before) auditDenied(audit, p, 'ticket.photo', target, `ticket ${id} is outside the scope of officer ${p.officer ?? '?'}`);
      return notFound(reply, `no ticket ${id}`);
    }
    const form = await readUpload(req);
    if (!form.ok) {
      auditDenied(audit, p, 'ticket.photo', target, `${form.where}: ${form.message}`);
      return reply.code(form.status).send({ error: 'bad upload', where: form.where, message: form.message });
    }
    const fields = PhotoFieldsSchema.safeParse(form.fields);
    if (!fields.success) {
      auditDenied(audit, p, 'ticket.photo', target, `invalid fields: ${z.prettifyError(fields.error)}`);
      return badRequest(reply, 'body', fields.error);
    }
    if (before.status === 'closed') {
      audit.append({ ...entryOf(p, 'ticket.photo', target), outcome: 'failed', reason: 'ticket is closed' });
      return reply.code(409).send({ error: 'conflict', message: `ticket ${id} is closed: reopen it before adding photos` });
    }
    const { stage, note } = fields.data;
    const evidence = keep(photos, form.photos, stage, p.username);
    if (note) evidence.push({ kind: 'note', data: { note, by: p.username, stage } });
    // a hazard's photo of the fix starts its verification (processor/tickets/hazardTickets.ts); elsewhere a photo is evidence only
    const fixes = before.category === 'hazard' && stage === 'fixed';
    for (const e of evidence) {
      if (fixes && e.kind === 'photo') tickets.recordFix(id, e, p.username);
      else tickets.recordAction(id, e.kind, e.data);
    }
    audit.append({ ...entryOf(p, 'ticket.photo', target), outcome: 'ok', ...(note ? { reason: clip(note) } : {}), after: { stage, photos: form.photos.length, label: PHOTO_STAGE_ZH[stage] } });
    return reply.code(201).send({ ticket: tickets.get(id) });
  });

  app.get('/api/tickets/:id/photos/:photoId', { preHandler: requireRole(ANY_ROLE) }, async (req, reply) => {
    const params = PhotoParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'path', params.error);
    const { id, photoId } = params.data;
    const ticket = tickets.get(id);
    const seen = ticket && seesTicket(scopeOf(registry, principalOf(req)), ticket) ? ticket.evidence.find((e) => e.kind === 'photo' && (e.data as PhotoEvidence).id === photoId) : undefined;
    const image = seen ? photos.read(photoId) : undefined;
    if (!seen || !image) return notFound(reply, `no photo ${photoId.slice(0, 12)}… on ticket ${id}`);
    const type = (seen.data as PhotoEvidence).contentType === 'image/png' ? 'image/png' : 'image/jpeg';
    return reply.header('content-type', type).header('x-content-type-options', 'nosniff').header('cache-control', 'private, max-age=86400, immutable').header('content-disposition', `inline; filename="${photoId.slice(0, 12)}.${type === 'image/png' ? 'png' : 'jpg'}"`).send(image);
  });
}

/** registers the routes in their own scope (multipart and the larger body limit stay there) */
export function registerHazardRoutes(app: FastifyInstance, deps: HazardRouteDeps): void {
  void app.register(async (scope) => hazardRoutes(scope, deps));
}
