import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, of, queueScheduler } from 'rxjs';
import { alertKindOf, buildAlert } from '../alerts/format.js';
import { respond } from '../respond.js';
import { createEvidenceBuffer } from '../rules/evidence.js';
import type { RuleEvent } from '../rules/schema.js';
import { createSqliteStore, type SqliteStore } from '../tickets/sqlite.js';
import { createTicketService, type TicketChange, type TicketService } from '../tickets/service.js';
import { silentLog, tempDb } from '../tickets/testing/fixtures.js';
import type { Attribution } from './index.js';
import { createOdorAttribution, sqliteAttributionStore } from './index.js';
import { destination, odorEvent, parkWith, windAt } from './testing.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.parse('2026-11-20T10:00:00+08:00');
const S = { lat: 30.655, lon: 113.83 };

// AQ-01 (明弘集团's fence line, officer OF-01) with one enterprise north-east of it that emits NH3 and odor,
// and one south-west (downwind): the north-east wind puts E-02 on top every time.
const park = parkWith({ 'AQ-01': S }, [
  { id: 'E-01', at: destination(S, 225, 300), emits: { a21001: 1 } },
  { id: 'E-02', at: destination(S, 45, 400), emits: { a21001: 1, a99001: 1 } },
]);

/** gateway wiring in small: attribution in respond()'s enrich, tickets in SQLite, the attribution record in the same file */
function start(file: string, clock: { t: number }) {
  const db = createSqliteStore({ file });
  db.start();
  const tickets = createTicketService({ store: db.tickets, registry: park, now: () => clock.t, log: silentLog });
  const attribution = createOdorAttribution({ registry: park, store: sqliteAttributionStore(db.db) });
  const changes: TicketChange[] = [];
  tickets.changes$.subscribe((c) => changes.push(c));
  const apply = (events: RuleEvent[]) =>
    firstValueFrom(respond(of(events), { tickets, evidence: createEvidenceBuffer(), responders: [], log: silentLog, scheduler: queueScheduler, enrich: (b) => attribution.annotate(b) }));
  const episode = async (at: number, pollutant: string, rule: string) => {
    clock.t = at;
    for (let i = 20; i >= 0; i--) attribution.observe(windAt('WS-01', at - i * MIN, 3, 45));
    return (await apply([odorEvent('open', 'AQ-01', pollutant, at, at - 2 * MIN, rule)]))[0]!;
  };
  return { db, tickets, changes, apply, episode };
}

describe('persistent attribution raises the ticket priority', () => {
  const tmp = tempDb('attribution-');
  let running: { db: SqliteStore; tickets: TicketService } | undefined;
  afterEach(() => {
    running?.tickets.stop();
    running?.db.stop();
    tmp.remove();
  });

  it('normal, then high on the same live ticket, then urgent on a new ticket after a restart', async () => {
    const clock = { t: T0 };
    let gw = start(tmp.file, clock);
    running = gw;

    // 1st episode: a new NH3 ticket, E-02 on top, normal priority
    const r1 = await gw.episode(T0, 'a21001', 'aq-nh3');
    expect(r1.ticket).toMatchObject({ site: 'AQ-01', category: 'odor', priority: 'normal', status: 'open' });
    const t1 = gw.tickets.get(r1.ticket!.id)!;
    const a1 = t1.evidence.find((e) => e.kind === 'attribution')!.data as Attribution;
    expect(a1.top).toEqual({ enterprise: 'E-02', name: '企业E-02' });
    expect(a1.persistence).toMatchObject({ priority: 'normal', episodes: 1 });
    await gw.apply([odorEvent('clear', 'AQ-01', 'a21001', T0 + 30 * MIN, undefined, 'aq-nh3')]);

    // 2nd episode two days later, the ticket still in verification: same ticket, priority high, reason in its history
    const r2 = await gw.episode(T0 + 2 * DAY, 'a21001', 'aq-nh3');
    expect(r2.ticket).toMatchObject({ id: r1.ticket!.id, count: 2, priority: 'high' });
    const t2 = gw.tickets.get(r1.ticket!.id)!;
    expect(t2.priority).toBe('high');
    expect(t2.history.at(-1)!.note).toMatch(/^priority normal → high: 企业E-02 \(E-02\) 第2次/);
    expect(t2.evidence.filter((e) => e.kind === 'attribution')).toHaveLength(2);
    const recurred = gw.changes.find((c) => c.type === 'recurred')!;
    expect(buildAlert(recurred, alertKindOf(recurred)!, park, clock.t).text).toMatch(/^【预警·异味复发】【优先级 高】.* 疑似来源 企业E-02 /);

    // restart: the attribution record is read back from the database file
    gw.tickets.stop();
    gw.db.stop();
    gw = start(tmp.file, clock);
    running = gw;

    // 3rd episode within 7 days, on another rule (odor concentration): a new ticket that opens urgent
    const r3 = await gw.episode(T0 + 4 * DAY, 'a99001', 'aq-odor');
    expect(r3.ticket).toMatchObject({ pollutant: 'a99001', priority: 'urgent' });
    expect(r3.ticket!.id).not.toBe(r1.ticket!.id);
    const opened = gw.changes.find((c) => c.type === 'opened')!;
    expect(buildAlert(opened, 'opened', park, clock.t).text).toMatch(/^【预警·异味】【优先级 紧急】.* 疑似来源 企业E-02 /);
    expect(gw.tickets.list({ site: 'AQ-01' }).tickets.map((t) => t.priority).sort()).toEqual(['high', 'urgent']);
    expect(gw.tickets.list({ priority: 'urgent' }).tickets.map((t) => t.id)).toEqual([r3.ticket!.id]);
  });

  it('episodes a week apart, or several rules firing at once, do not raise it', async () => {
    const clock = { t: T0 };
    const gw = start(tmp.file, clock);
    running = gw;
    const r1 = await gw.episode(T0, 'a21001', 'aq-nh3');
    // NH3 and odor at the same station within the hour: one episode
    const r2 = await gw.episode(T0 + 5 * MIN, 'a99001', 'aq-odor');
    expect([r1.ticket!.priority, r2.ticket!.priority]).toEqual(['normal', 'normal']);
    // the next one 8 days later: outside the 7-day window
    const r3 = await gw.episode(T0 + 8 * DAY, 'a21001', 'aq-nh3');
    expect(r3.ticket!.priority).toBe('normal');
  });
});
