import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../http/server.js';
import { registerTicketRoutes } from '../../processor/tickets/api.js';
import { deliveriesOf, sqliteAlertOutbox } from '../../processor/alerts/outbox.js';
import { codEvent, silentLog, T0 } from '../../processor/tickets/testing/fixtures.js';
import { startWebRig, type WebRig } from '../../test/helpers/webRig.js';
import { as, type Person } from '../../test/helpers/principal.js';
import { registerWeb } from './index.js';
import { renderEvidence } from './ticketEvidence.js';
import { renderTicket } from './ticketDetail.js';
import { isOverdue } from './ticketText.js';

let rig: WebRig;
let app: ReturnType<typeof createHttpServer>;
let id: string;

/** a page as `who` sees it (host named as a browser would) */
const get = (url: string, who: Person) => app.inject({ url, headers: { ...as(who), host: '127.0.0.1' } });

beforeAll(async () => {
  rig = await startWebRig({ now: T0 + 60_000 });
  // the pages with the alert outbox of the same park.db
  app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  rig.access.install(app);
  registerTicketRoutes(app, rig.tickets, { audit: rig.access.audit, registry: rig.registry });
  registerWeb(app, { registry: rig.registry, tickets: rig.tickets, audit: rig.access.audit, health: rig.health, deliveries: (t) => deliveriesOf(rig.store.db, t), now: () => rig.clock.t });
  await app.ready();
  id = rig.tickets.applyEvent(codEvent('open', T0, 612))!.id; // WP-05 → E-05 → OF-02
  rig.tickets.recordAction(id, 'snapshot', { id: 'WP-05-1795572000000-0123456789ab', url: `/api/tickets/${id}/snapshots/WP-05-1795572000000-0123456789ab`, takenAt: T0 });
  rig.tickets.recordAction(id, 'snapshot', { id: 'x', url: 'https://cameras.example/steal.jpg' });
  rig.tickets.recordAction(id, 'valve', { kind: 'valve-close', site: 'WP-05', device: 'WP-05-M', ok: true, confirmed: true, attempts: 1, actor: 'system', reason: 'COD 超标持续 15 分钟', at: T0 + 1000 });
  rig.tickets.recordAction(id, 'attribution', { calm: false, candidates: [{ enterprise: 'E-07', name: '候选化工', bearingDeg: 44.6, distanceM: 812.3, score: 0.734 }] });
  rig.tickets.recordAction(id, 'note', { alert: 'sms', status: 'sent', to: ['13800001102'] });
  sqliteAlertOutbox(rig.store.db).record(
    { id: `${id}|opened|${T0}|sms`, key: `${id}|opened`, ticketId: id, kind: 'opened', category: 'exceedance', high: true, text: '超标', line: `WP-05 COD 612 mg/L ${id}`, sms: { site: 'WP-05', pollutant: 'COD', value: '612', ticket: id }, changeAt: T0, queuedAt: T0 },
    'sms',
    '13800001102',
    T0,
  );
});

afterAll(async () => {
  await app?.close();
  await rig?.close();
});

describe('GET /tickets and /tickets/:id', () => {
  it('sends an anonymous visitor to the login page with the page as next', async () => {
    const res = await app.inject({ url: '/tickets?level=exceedance', headers: { host: '127.0.0.1' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/tickets?level=exceedance')}`);
  });

  it('answers a bad filter with the 400 page naming the field', async () => {
    const res = await get('/tickets?status=done', 'chief');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('status');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('shows the officer every kind of evidence: a snapshot from the gateway’s route only, valve action, attribution candidates', async () => {
    const res = await get(`/tickets/${id}`, 'otherOfficer');
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain(`<img src="/api/tickets/${id}/snapshots/WP-05-1795572000000-0123456789ab"`);
    expect(body).not.toContain('<img src="https://cameras.example');
    expect(body).toContain('关阀');
    expect(body).toContain('候选化工');
    expect(body).toContain('812 m');
  });

  it('shows photos (found / fixed) from the ticket’s photo route, and an unreadable photo entry as text', () => {
    const t = { ...rig.tickets.get(id)!, evidence: [
      { at: T0, kind: 'photo' as const, data: { id: 'ph-1', name: '整改后排口', stage: 'fixed', contentType: 'image/jpeg', bytes: 1000 } },
      { at: T0, kind: 'photo' as const, data: { id: '../../etc/passwd', stage: 'found' } },
    ] };
    const body = renderEvidence(rig.registry, t).__html;
    expect(body).toContain(`<img src="/api/tickets/${id}/photos/ph-1" alt="整改后排口"`);
    expect(body).toContain('整改后');
    expect(body).not.toContain('passwd"');
    expect(body).toContain('../../etc/passwd'); // shown as the entry's text, not as an image
  });

  it('shows the ticket’s alert deliveries from the outbox, the mobile masked below chief and in full for the chief', async () => {
    const officer = (await get(`/tickets/${id}`, 'otherOfficer')).body;
    expect(officer).toContain('data-testid="deliveries"');
    expect(officer).toContain('短信');
    expect(officer).toContain('138****1102');
    expect(officer).not.toContain('13800001102');
    const chief = (await get(`/tickets/${id}`, 'chief')).body;
    expect(chief).toContain('13800001102');
  });

  it('offers the lifecycle’s moves from the status as forms to the API to those who may act, none to a viewer', async () => {
    const officer = (await get(`/tickets/${id}`, 'otherOfficer')).body;
    expect(officer).toContain(`data-api="/api/tickets/${id}/transitions"`);
    expect(officer).toContain('data-move="acknowledged"');
    expect(officer).toContain('data-move="awaiting_verification"');
    expect(officer).not.toContain('data-move="closed"');
    const viewer = await get(`/tickets/${id}`, 'viewer');
    expect(viewer.statusCode).toBe(200);
    expect(viewer.body).not.toContain('data-api="/api/tickets/');
  });

  it('is the 404 page for another officer’s ticket and for an unknown one; a too long id is the 400 page', async () => {
    for (const url of [`/tickets/${id}`, '/tickets/WO-20000101-0001']) {
      const res = await get(url, 'officer');
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('化学需氧量');
    }
    expect((await get(`/tickets/${'W'.repeat(65)}`, 'chief')).statusCode).toBe(400);
  });

  it('lists only the tickets of the officer’s scope, with paging', async () => {
    expect((await get('/tickets', 'officer')).body).not.toContain(`data-ticket="${id}"`);
    const mine = (await get('/tickets', 'otherOfficer')).body;
    expect(mine).toContain(`data-ticket="${id}"`);
    expect(mine).toContain('共 1 条 · 第 1 / 1 页');
    // the link from the sites page: one site's open tickets, kept in the form for the next filter
    const site = (await get('/tickets?site=WP-05&status=open,acknowledged,rectifying,awaiting_verification', 'otherOfficer')).body;
    expect(site).toContain(`data-ticket="${id}"`);
    expect(site).toContain('<option value="open,acknowledged,rectifying,awaiting_verification" selected>未闭环</option>');
    expect(site).toContain('name="site" value="WP-05"');
  });

  it('marks a ticket past its deadline and not closed as overdue', () => {
    const t = { ...rig.tickets.get(id)!, deadline: T0 + 1000 };
    const deps = { registry: rig.registry, tickets: rig.tickets, audit: rig.access.audit, health: rig.health };
    const chief = { kind: 'token' as const, username: 'chen.kz', role: 'chief' as const, address: '127.0.0.1' };
    expect(renderTicket(deps, chief, t, T0 + 2000, undefined).__html).toContain('data-testid="overdue"');
    expect(renderTicket(deps, chief, t, T0 + 500, undefined).__html).not.toContain('data-testid="overdue"');
    expect(isOverdue({ deadline: T0, status: 'closed' }, T0 + 1)).toBe(false);
    expect(isOverdue({ status: 'open' }, T0 + 1)).toBe(false);
  });

  it('pages through more tickets than fit on one page, keeping the filters in the links', async () => {
    for (let i = 0; i < 22; i++) {
      const at = T0 + i;
      rig.store.tickets.insert({ id: `WO-20261125-${String(100 + i).padStart(4, '0')}`, site: 'WP-05', enterprise: 'E-05', officer: 'OF-02', pollutant: 'w21003', rule: `paging-${i}`, category: 'exceedance', level: 'control', status: 'open', openedAt: at, updatedAt: at, firstSeen: at, lastSeen: at, count: 1, samples: 1, verificationMs: 3_600_000 });
    }
    const first = (await get('/tickets?level=control', 'otherOfficer')).body;
    expect(first).toContain('共 22 条 · 第 1 / 2 页');
    expect(first.match(/<tr data-ticket=/g)).toHaveLength(20);
    expect(first).toContain('href="/tickets?level=control&amp;page=2" rel="next"');
    const second = (await get('/tickets?level=control&page=2', 'otherOfficer')).body;
    expect(second.match(/<tr data-ticket=/g)).toHaveLength(2);
    expect(second).toContain('rel="prev"');
  });
});
