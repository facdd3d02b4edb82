import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../gateway/http/server.js';
import { registerSnapshotRoutes } from '../../gateway/http/snapshots.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createInterlock, registerValveRoutes, type Interlock, type ValveAction, type ValveCommands } from '../../processor/interlock/index.js';
import { registerTicketRoutes } from '../../processor/tickets/api.js';
import { auditValveAction } from '../../processor/valveResponder.js';
import { createTicketService, type TicketService } from '../../processor/tickets/service.js';
import { createSqliteStore, type SqliteStore } from '../../processor/tickets/sqlite.js';
import { codEvent, silentLog, T0, tempDb } from '../../processor/tickets/testing/fixtures.js';
import type { Ticket, TicketSummary } from '../../processor/tickets/types.js';
import { as, PEOPLE, testAccess, type Person, type TestAccess } from '../helpers/principal.js';

// Issue 11, "every route is authorised by role and scope": each role against each route, allowed and
// refused, on the real ticket service (SQLite) and the real interlock with injected valve commands.

/** in-memory valves: a write switches at once; writes are counted and take a little while (parallel requests overlap) */
function fakeValves() {
  const open = new Map<string, boolean>();
  let writes = 0;
  const commands: ValveCommands = {
    async writeValve(device, value) {
      writes++;
      await new Promise((r) => setTimeout(r, 20));
      open.set(device, value);
    },
    readValve: async (device) => open.get(device) ?? true,
  };
  return { commands, open, writes: () => writes };
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
const SNAP = 'WP-05-1764036000000-0123456789ab';

let registry: Registry;
let app: FastifyInstance;
let store: SqliteStore;
let tickets: TicketService;
let interlock: Interlock;
let access: TestAccess;
let tmp: ReturnType<typeof tempDb>;
const valves = fakeValves();
/** WP-05 belongs to E-05, officer OF-02 (李明); WP-01 to E-01, officer OF-01 (王青) */
let of02: TicketSummary;
let of01: TicketSummary;

beforeAll(async () => {
  tmp = tempDb('access-routes-');
  registry = loadRegistry();
  store = createSqliteStore({ file: tmp.file });
  store.start();
  tickets = createTicketService({ store: store.tickets, registry, now: () => T0, log: silentLog });
  interlock = createInterlock({ registry, commands: valves.commands, health: { get: () => ({ online: true }) }, now: Date.now, log: silentLog, onAction: () => {}, actuator: { settleMs: 5, confirmWithinMs: 0 } });
  access = testAccess();
  app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  access.install(app);
  const deps = { audit: access.audit, registry };
  registerTicketRoutes(app, tickets, deps);
  registerValveRoutes(app, interlock, deps);
  registerSnapshotRoutes(app, { image: (t, s) => (t === of02.id && s === SNAP ? JPEG : undefined), ticket: (t) => tickets.get(t) }, deps);
  await app.ready();
  of02 = tickets.applyEvent(codEvent('open', T0, 700))!;
  of01 = tickets.applyEvent(codEvent('open', T0, 700, { site: 'WP-01' }))!;
  // an SMS delivery on the ticket: the officer's number is personal data
  tickets.recordAction(of02.id, 'note', { alert: 'sms', status: 'sent', to: ['13800001102'] });
});

afterAll(async () => {
  await app?.close();
  tickets?.stop();
  store?.stop();
  tmp?.remove();
});

const call = (who: Person, method: 'GET' | 'POST', url: string, payload?: object) => app.inject({ method, url, headers: as(who), ...(payload ? { payload } : {}) });

type Row = [route: string, who: Person, status: number];

describe('reading: every role, an officer within their scope; anonymous 401', () => {
  // :of01 and :of02 stand for the tickets' ids (known once they are opened)
  const reads = (url: string, officerOwn: Person, officerOther: Person): Row[] => [
    [url, 'anonymous', 401],
    [url, 'viewer', 200],
    [url, officerOwn, 200],
    [url, officerOther, 404],
    [url, 'chief', 200],
    [url, 'admin', 200],
  ];
  it.each<Row>([
    ...reads('/api/tickets/:of02', 'otherOfficer', 'officer'),
    ...reads('/api/tickets/:of01', 'officer', 'otherOfficer'),
    ...reads(`/api/tickets/:of02/snapshots/${SNAP}`, 'otherOfficer', 'officer'),
    ['/api/tickets', 'anonymous', 401],
    ['/api/valves', 'anonymous', 401],
    ['/healthz', 'anonymous', 200],
  ])('GET %s as %s → %i', async (route, who, status) => {
    expect((await call(who, 'GET', route.replace(':of02', of02.id).replace(':of01', of01.id))).statusCode).toBe(status);
  });

  it.each<[Person, string[]]>([
    ['viewer', ['WP-01', 'WP-05']],
    ['chief', ['WP-01', 'WP-05']],
    ['admin', ['WP-01', 'WP-05']],
    ['officer', ['WP-01']],
    ['otherOfficer', ['WP-05']],
    ['officer3', []],
  ])('GET /api/tickets as %s lists the tickets of their scope: %j', async (who, sites) => {
    const res = await call(who, 'GET', '/api/tickets');
    expect(res.statusCode).toBe(200);
    const page = res.json<{ tickets: TicketSummary[]; total: number }>();
    expect(page.tickets.map((t) => t.site).sort()).toEqual(sites);
    expect(page.total).toBe(sites.length);
    // asking for another officer's site does not widen the scope
    if (who === 'officer') expect((await call(who, 'GET', '/api/tickets?site=WP-05')).json<{ total: number }>().total).toBe(0);
  });

  it.each<[Person, boolean]>([
    ['viewer', false],
    ['chief', true],
    ['admin', true],
    ['otherOfficer', false],
  ])('as %s the SMS recipients on the ticket are shown in full: %s', async (who, full) => {
    const t = (await call(who, 'GET', `/api/tickets/${of02.id}`)).json<Ticket>();
    const note = t.evidence.find((e) => e.kind === 'note')!.data as { to: string[] };
    expect(note.to).toEqual([full ? '13800001102' : '138****1102']);
    const listed = JSON.stringify((await call(who, 'GET', '/api/tickets')).json());
    expect(listed.includes('13800001102')).toBe(false);
  });

  it('GET /api/valves: every interlocked valve for viewer, chief and admin; an officer only those of their enterprises', async () => {
    const sitesOf = async (who: Person) => (await call(who, 'GET', '/api/valves')).json<{ valves: { site: string }[] }>().valves.map((v) => v.site).sort();
    const all = await sitesOf('viewer');
    expect(all).toEqual(['WP-01', 'WP-02', 'WP-09', 'WP-13']);
    expect(await sitesOf('chief')).toEqual(all);
    expect(await sitesOf('admin')).toEqual(all);
    const ofOfficer = (officer: string) => all.filter((id) => registry.enterprises.find((e) => e.id === registry.sites.find((s) => s.id === id)!.enterprise)!.officer === officer);
    expect(await sitesOf('officer')).toEqual(ofOfficer('OF-01'));
    expect(await sitesOf('officer')).toEqual(['WP-01', 'WP-02']);
    expect(await sitesOf('otherOfficer')).toEqual(ofOfficer('OF-02'));
  });
});

describe('ticket transitions: officer in scope, chief, admin; the actor is the principal', () => {
  it.each<Row>([
    ['acknowledged', 'anonymous', 401],
    ['acknowledged', 'viewer', 403],
    ['acknowledged', 'officer', 404],
  ])('POST …/transitions {to: %s} on 李明 (OF-02)\'s ticket as %s → %i, ticket unchanged, refusal audited', async (to, who, status) => {
    const before = access.audit.entries.length;
    const res = await call(who, 'POST', `/api/tickets/${of02.id}/transitions`, { to });
    expect(res.statusCode).toBe(status);
    expect(tickets.get(of02.id)!.status).toBe('open');
    expect(access.audit.entries.slice(before)).toEqual([
      expect.objectContaining({ action: 'ticket.transition', target: `ticket:${of02.id}`, outcome: 'denied', actor: PEOPLE[who as keyof typeof PEOPLE]?.username ?? 'anonymous', address: '127.0.0.1', reason: expect.any(String) }),
    ]);
  });

  it('an officer cannot act on another officer\'s ticket, even naming the other officer as actor', async () => {
    const res = await call('officer', 'POST', `/api/tickets/${of02.id}/transitions`, { to: 'acknowledged', actor: 'OF-02' });
    expect(res.statusCode).toBe(400);
    expect((await call('officer', 'POST', `/api/tickets/${of02.id}/transitions`, { to: 'acknowledged' })).statusCode).toBe(404);
    expect(tickets.get(of02.id)!.history.map((h) => h.to)).toEqual(['open']);
    expect(access.audit.list({ target: `ticket:${of02.id}`, actor: 'OF-01', outcome: 'denied' }).total).toBeGreaterThanOrEqual(2);
  });

  it.each<[string, Person, string]>([
    ['the officer of the ticket', 'otherOfficer', 'acknowledged'],
    ['the chief', 'chief', 'rectifying'],
    ['the admin', 'admin', 'awaiting_verification'],
  ])('%s moves it; history and audit name the principal, with before and after', async (_who, who, to) => {
    const from = tickets.get(of02.id)!.status;
    const res = await call(who, 'POST', `/api/tickets/${of02.id}/transitions`, { to, note: `by ${who}` });
    expect(res.statusCode).toBe(200);
    const username = PEOPLE[who as keyof typeof PEOPLE].username;
    expect(res.json<Ticket>().history.at(-1)).toMatchObject({ actor: username, from, to });
    expect(access.audit.entries.at(-1)).toMatchObject({ action: 'ticket.transition', target: `ticket:${of02.id}`, outcome: 'ok', actor: username, actorRole: PEOPLE[who as keyof typeof PEOPLE].role, address: '127.0.0.1', before: { status: from }, after: { status: to } });
  });

  it('a refused move (lifecycle) is audited as failed; a 900 KB actor is refused before anything is stored', async () => {
    const res = await call('chief', 'POST', `/api/tickets/${of01.id}/transitions`, { to: 'closed' });
    expect(res.statusCode).toBe(409);
    expect(access.audit.entries.at(-1)).toMatchObject({ outcome: 'failed', actor: PEOPLE.chief.username, before: { status: 'open' } });
    // a 900 KB body is cut off by the server's body limit (413) before any route sees it
    const huge = await call('chief', 'POST', `/api/tickets/${of01.id}/transitions`, { to: 'acknowledged', actor: 'x'.repeat(900 * 1024) });
    expect(huge.statusCode).toBe(413);
    // within the body limit, a 20 KB actor is refused by the field's own limit, and the refusal is audited without it
    const long = await call('chief', 'POST', `/api/tickets/${of01.id}/transitions`, { to: 'acknowledged', actor: 'x'.repeat(20 * 1024) });
    expect(long.statusCode).toBe(400);
    expect(access.audit.entries.at(-1)).toMatchObject({ outcome: 'denied', actor: PEOPLE.chief.username, reason: expect.stringMatching(/^invalid body: .*actor/s) });
    expect(tickets.get(of01.id)!.history).toHaveLength(1);
    expect(Math.max(...access.audit.entries.map((e) => JSON.stringify(e).length))).toBeLessThan(10_000);
  });
});

describe('valve commands: reopen chief or admin with a reason, override admin only; every refusal audited', () => {
  const reopen = (who: Person, body: object = { reason: '整改完成, 复测达标' }) => call(who, 'POST', '/api/valves/WP-01/open', body);

  it.each<Row>([
    ['open', 'anonymous', 401],
    ['open', 'viewer', 403],
    ['open', 'officer', 403],
    ['open', 'otherOfficer', 403],
    ['open', 'chief', 200],
    ['open', 'admin', 200],
    ['close', 'anonymous', 401],
    ['close', 'viewer', 403],
    ['close', 'officer', 403],
    ['close', 'chief', 403],
    ['close', 'admin', 200],
  ])('POST /api/valves/WP-01/%s as %s → %i', async (cmd, who, status) => {
    const before = { writes: valves.writes(), audit: access.audit.entries.length };
    const res = await call(who, 'POST', `/api/valves/WP-01/${cmd}`, { reason: `test ${cmd} as ${who}` });
    expect(res.statusCode).toBe(status);
    const entries = access.audit.entries.slice(before.audit);
    expect(entries).toHaveLength(1);
    const action = cmd === 'open' ? 'valve.reopen' : 'valve.close';
    const actor = who === 'anonymous' ? 'anonymous' : PEOPLE[who].username;
    if (status === 200) {
      expect(valves.writes()).toBe(before.writes + 1);
      expect(res.json<{ action: ValveAction }>().action).toMatchObject({ kind: `valve-${cmd}`, actor, confirmed: true });
      expect(entries[0]).toMatchObject({ action, target: 'valve:WP-01', outcome: 'ok', actor, address: '127.0.0.1', reason: `test ${cmd} as ${who}` });
    } else {
      expect(valves.writes()).toBe(before.writes);
      expect(entries[0]).toMatchObject({ action, target: 'valve:WP-01', outcome: 'denied', actor, address: '127.0.0.1', reason: expect.stringMatching(status === 401 ? /sign in/ : /needs/) });
    }
  });

  it('an anonymous valve reopen is refused and leaves an audit entry: who, from where, why refused', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/valves/WP-02/open', payload: { actor: 'OF-01', reason: '恢复排水' } });
    expect(res.statusCode).toBe(401);
    expect(access.audit.list({ target: 'valve:WP-02', outcome: 'denied' }).entries).toEqual([
      expect.objectContaining({ actor: 'anonymous', address: '127.0.0.1', action: 'valve.reopen', reason: expect.stringMatching(/sign in/), at: expect.any(Number) }),
    ]);
    expect(valves.open.get('WP-02-M')).toBeUndefined();
  });

  it.each<[string, object, RegExp]>([
    ['no reason', {}, /reason/],
    ['an empty reason', { reason: '  ' }, /reason/],
    ['a reason over 2000 characters', { reason: 'x'.repeat(2001) }, /reason/],
    ['another actor', { actor: 'OF-02', reason: 'x' }, /must be you/],
  ])('a chief\'s reopen with %s is refused (400) and audited', async (_what, body, message) => {
    const before = { writes: valves.writes(), audit: access.audit.entries.length };
    const res = await reopen('chief', body);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(message);
    expect(valves.writes()).toBe(before.writes);
    expect(access.audit.entries.slice(before.audit)).toEqual([expect.objectContaining({ outcome: 'denied', actor: PEOPLE.chief.username, target: 'valve:WP-01' })]);
  });

  it('20 parallel reopens make one write; every caller gets the outcome of that write', async () => {
    valves.open.set('WP-01-M', false);
    const before = { writes: valves.writes(), audit: access.audit.entries.length };
    const res = await Promise.all(Array.from({ length: 20 }, (_, i) => reopen(i % 2 ? 'chief' : 'admin', { reason: `复测达标 #${i}` })));
    expect(res.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect(valves.writes()).toBe(before.writes + 1);
    const bodies = res.map((r) => r.json<{ action: ValveAction; joined?: boolean }>());
    expect(bodies.filter((b) => !b.joined)).toHaveLength(1);
    expect(new Set(bodies.map((b) => b.action.at)).size).toBe(1);
    expect(access.audit.entries.slice(before.audit).filter((e) => e.action === 'valve.reopen' && e.outcome === 'ok')).toHaveLength(20);
    // once done, a new reopen is a new command
    expect((await reopen('chief')).statusCode).toBe(200);
    expect(valves.writes()).toBe(before.writes + 2);
  });
});

describe("the interlock's own valve commands are audited as 'system'", () => {
  it('an automatic shut leaves an ok entry with actor system and no address; a failed one leaves a failed entry', async () => {
    const all = testAccess().audit;
    // the valve entries (issuing the test people's tokens is audited too)
    const audit = { append: all.append, list: all.list, get entries() { return all.entries.filter((e) => e.action.startsWith('valve.')); } };
    const own = fakeValves();
    const auto = createInterlock({ registry, commands: own.commands, health: { get: () => ({ online: true }) }, now: Date.now, log: silentLog, onAction: auditValveAction(audit), actuator: { settleMs: 5, confirmWithinMs: 0 } });
    const since = Date.now() - 16 * 60_000;
    const ev = { ...codEvent('update', Date.now(), 640, { site: 'WP-01', since }), limit: { max: 500, standard: 'GB/T 31962-2015 表1 B级 COD 500 mg/L' } };
    expect(await auto.handle(ev, 'N')).toMatchObject({ kind: 'valve-close', ok: true, confirmed: true, actor: 'system' });
    expect(audit.entries).toEqual([expect.objectContaining({ actor: 'system', action: 'valve.close', target: 'valve:WP-01', outcome: 'ok', reason: expect.stringMatching(/^wp-cod: w01018 = 640/) })]);
    expect(audit.entries[0]!.address).toBeUndefined();
    // a person's command through the interlock is left to the route (which knows the address)
    await auto.reopen('WP-01', '陈科长', '复测达标');
    expect(audit.entries).toHaveLength(1);
    own.commands.writeValve = async () => Promise.reject(new Error('timeout after 1000 ms'));
    await auto.handle({ ...ev, rule: 'wp-cod', since: since - 1000 }, 'N');
    expect(audit.entries.at(-1)).toMatchObject({ actor: 'system', action: 'valve.close', outcome: 'failed', after: { ok: false, error: expect.stringMatching(/timeout/) } });
  });
});
