import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Reading } from '../../gateway/model/reading.js';
import { createTicketService, type TicketChange, type TicketService } from './service.js';
import { createSqliteStore, type SqliteStore } from './sqlite.js';
import { codEvent, HOUR, silentLog, T0, tempDb } from './testing/fixtures.js';

const registry = loadRegistry();
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

interface Harness {
  store: SqliteStore;
  service: TicketService;
  changes: TicketChange[];
  clock: { t: number };
  file: string;
}

/** service on a real SQLite file; pass `file` to re-open the same database (a restart) */
function harness(file?: string, clock = { t: T0 }): Harness {
  let f = file;
  if (!f) {
    const tmp = tempDb();
    cleanups.push(tmp.remove);
    f = tmp.file;
  }
  const store = createSqliteStore({ file: f });
  store.start();
  const service = createTicketService({ store: store.tickets, registry, now: () => clock.t, log: silentLog });
  const changes: TicketChange[] = [];
  const sub = service.changes$.subscribe((c) => changes.push(c));
  cleanups.push(() => {
    sub.unsubscribe();
    service.stop();
    store.stop();
  });
  return { store, service, changes, clock, file: f };
}

const reading = (ts: number, value: number): Reading => ({ site: 'WP-05', device: 'WP-05-cod', pollutant: 'w01018', value, unit: 'mg/L', ts, flag: 'N', source: 'modbus' });

describe('ticket service', () => {
  it('opens a ticket assigned to the enterprise officer, with evidence and a dated id', () => {
    const { service, changes } = harness();
    const readings = [reading(T0 - 60_000, 610), reading(T0, 700)];
    const t = service.applyEvent(codEvent('open', T0, 700, { since: T0 - 600_000 }), { readings })!;
    expect(t).toMatchObject({
      id: 'WO-20261125-0001', site: 'WP-05', enterprise: 'E-05', officer: 'OF-02', status: 'open', count: 1, samples: 1, peak: 700, mean: 700,
      firstSeen: T0 - 600_000, lastSeen: T0, limit: { max: 500, standard: 'GB 8978-1996 表4 三级' }, verificationMs: 24 * HOUR,
    });
    const full = service.get(t.id)!;
    expect(full.evidence.map((e) => e.kind)).toEqual(['readings', 'limit']);
    expect(full.evidence[0]!.data).toMatchObject({ readings });
    expect(full.evidence[1]!.data).toEqual({ max: 500, standard: 'GB 8978-1996 表4 三级', value: 700 });
    expect(full.history).toEqual([{ at: T0, actor: 'system', from: 'open', to: 'open', note: 'opened by rule wp-cod' }]);
    expect(changes.map((c) => c.type)).toEqual(['opened']);
  });

  it('a site without enterprise goes to its own officer; odor tickets carry the wind', () => {
    const { service } = harness();
    const ro = service.applyEvent(codEvent('open', T0, 2, { site: 'RO-03', pollutant: 'w00001', rule: 'ro-dry', ruleType: 'dry-weather-flow', category: 'illicit-discharge', limit: undefined }))!;
    expect(ro).toMatchObject({ site: 'RO-03', officer: 'OF-03' });
    expect('enterprise' in ro).toBe(false);
    const wind = { directionDeg: 225, speed: 2.4, from: 'SW' };
    const aq = service.applyEvent(codEvent('open', T0, 3.2, { site: 'AQ-09', pollutant: 'a99054', rule: 'aq-odor', category: 'odor', limit: { max: 2, standard: 'GB 14554-93' } }), { wind })!;
    expect(aq).toMatchObject({ enterprise: 'E-37', officer: 'OF-10', id: 'WO-20261125-0002' });
    expect(service.get(aq.id)!.evidence.find((e) => e.kind === 'wind')?.data).toEqual(wind);
  });

  it('attaches recurrences and updates to the live ticket instead of duplicating, across a restart', () => {
    const first = harness();
    const t = first.service.applyEvent(codEvent('open', T0, 700))!;
    first.service.applyEvent(codEvent('update', T0 + 60_000, 900));
    first.service.applyEvent(codEvent('clear', T0 + 2 * HOUR));
    first.store.stop(); // restart: same file, new store and service

    const second = harness(first.file, { t: T0 + 3 * HOUR });
    const again = second.service.applyEvent(codEvent('open', T0 + 3 * HOUR, 500.5))!;
    expect(again.id).toBe(t.id);
    expect(again).toMatchObject({ count: 2, samples: 3, peak: 900, lastSeen: T0 + 3 * HOUR, status: 'open' });
    expect(again.mean).toBeCloseTo((700 + 900 + 500.5) / 3, 9);
    expect('compliantSince' in again).toBe(false);
    expect(second.store.tickets.list().total).toBe(1);
    expect(second.service.get(t.id)!.history.map((h) => h.note)).toEqual([
      'opened by rule wp-cod',
      'back within limit, verification started',
      'recurrence: verification restarts at the next return within limit',
    ]);
    expect(second.changes.map((c) => c.type)).toEqual(['recurred']);
  });

  it('peak is the value farthest outside a range, or the lowest under a minimum', () => {
    const { service } = harness();
    const ph = { pollutant: 'w01001', rule: 'wp-ph', limit: { min: 6, max: 9, standard: 'GB 8978-1996' } };
    service.applyEvent(codEvent('open', T0, 9.5, ph));
    service.applyEvent(codEvent('update', T0 + 1, 5.0, ph));
    expect(service.applyEvent(codEvent('update', T0 + 2, 9.8, ph))).toMatchObject({ peak: 5.0 });
    const doLimit = { pollutant: 'w01009', rule: 'wp-do', limit: { min: 2, standard: 'x' } };
    service.applyEvent(codEvent('open', T0, 1.5, doLimit));
    expect(service.applyEvent(codEvent('update', T0 + 1, 0.4, doLimit))).toMatchObject({ peak: 0.4 });
  });

  it('a clear sets compliantSince once; events for keys without a ticket change nothing', () => {
    const { service, changes } = harness();
    expect(service.applyEvent(codEvent('clear', T0))).toBeUndefined();
    expect(service.applyEvent(codEvent('update', T0, 800))).toBeUndefined();
    service.applyEvent(codEvent('open', T0, 700));
    expect(service.applyEvent(codEvent('clear', T0 + HOUR))).toMatchObject({ compliantSince: T0 + HOUR });
    expect(service.applyEvent(codEvent('clear', T0 + 2 * HOUR))).toBeUndefined();
    expect(changes.map((c) => c.type)).toEqual(['opened', 'cleared']);
  });

  it('closing is refused before the verification period and allowed after it (injected clock)', () => {
    const { service, clock } = harness();
    const t = service.applyEvent(codEvent('open', T0, 700))!;
    const move = (to: 'acknowledged' | 'rectifying' | 'awaiting_verification' | 'closed') => service.transition(t.id, { to, actor: 'OF-02' });
    expect(move('acknowledged')).toMatchObject({ ok: true, ticket: { status: 'acknowledged' } });
    expect(move('rectifying').ok).toBe(true);
    expect(move('awaiting_verification').ok).toBe(true);
    expect(move('closed')).toMatchObject({ ok: false, code: 'refused', reason: expect.stringMatching(/not back within limit yet/) });

    clock.t = T0 + HOUR;
    service.applyEvent(codEvent('clear', T0 + HOUR));
    clock.t = T0 + 3 * HOUR + 10 * 60_000;
    expect(move('closed')).toMatchObject({ ok: false, reason: expect.stringMatching(/compliant for 2 h 10 min of the required 24 h/) });
    clock.t = T0 + 25 * HOUR;
    const closed = move('closed');
    expect(closed).toMatchObject({ ok: true, ticket: { status: 'closed', closedAt: T0 + 25 * HOUR } });
    expect(closed.ok && closed.ticket.history.map((h) => `${h.actor}:${h.from}>${h.to}`)).toEqual([
      'system:open>open', 'OF-02:open>acknowledged', 'OF-02:acknowledged>rectifying', 'OF-02:rectifying>awaiting_verification',
      'system:awaiting_verification>awaiting_verification', 'OF-02:awaiting_verification>closed',
    ]);
    expect(service.transition('WO-20990101-0001', { to: 'closed', actor: 'OF-02' })).toMatchObject({ ok: false, code: 'not_found' });
  });

  it('a recurrence during verification reopens the ticket (system, with a note)', () => {
    const { service, clock, changes } = harness();
    const t = service.applyEvent(codEvent('open', T0, 700))!;
    service.applyEvent(codEvent('clear', T0 + HOUR));
    expect(service.transition(t.id, { to: 'awaiting_verification', actor: 'OF-02' }).ok).toBe(true);
    clock.t = T0 + 10 * HOUR;
    const again = service.applyEvent(codEvent('open', T0 + 10 * HOUR, 650))!;
    expect(again).toMatchObject({ id: t.id, status: 'open', count: 2 });
    expect('compliantSince' in again).toBe(false);
    expect(service.get(t.id)!.history.at(-1)).toEqual({ at: T0 + 10 * HOUR, actor: 'system', from: 'awaiting_verification', to: 'open', note: 'recurrence during verification' });
    expect(changes.at(-1)).toMatchObject({ type: 'recurred', history: { to: 'open' } });
  });

  it('after closing, a recurrence opens a new ticket naming the closed one; the closed one cannot be reopened while it is live', () => {
    const { service, clock, store } = harness();
    const t = service.applyEvent(codEvent('open', T0, 700))!;
    service.applyEvent(codEvent('clear', T0 + HOUR));
    service.transition(t.id, { to: 'awaiting_verification', actor: 'OF-02' });
    clock.t = T0 + 26 * HOUR;
    expect(service.transition(t.id, { to: 'closed', actor: 'OF-02' }).ok).toBe(true);

    clock.t = T0 + 38 * HOUR; // 2026-11-27 00:00 in Asia/Shanghai, 2026-11-26 16:00 UTC
    const next = service.applyEvent(codEvent('open', T0 + 38 * HOUR, 800))!;
    expect(next.id).toBe('WO-20261127-0001'); // numbered by the park-local date
    expect(next).toMatchObject({ status: 'open', count: 1 });
    expect(service.get(next.id)!.history[0]!.note).toBe(`opened by rule wp-cod; recurrence after ${t.id} (closed)`);
    expect(service.get(t.id)!.status).toBe('closed');
    expect(store.tickets.list({ status: ['open'] }).total).toBe(1);

    const reopen = service.transition(t.id, { to: 'open', actor: 'OF-02', note: 'same leak' });
    expect(reopen).toMatchObject({ ok: false, code: 'refused', reason: expect.stringContaining(`ticket ${next.id} is already live`) });
  });

  it('recordAction stores valve evidence and emits a change; unknown ids give undefined', () => {
    const { service, changes } = harness();
    const t = service.applyEvent(codEvent('open', T0, 700))!;
    const after = service.recordAction(t.id, 'valve', { action: 'close', valve: 'WP-05-valve', ok: true });
    expect(after).toMatchObject({ id: t.id, version: t.version + 1 });
    expect(service.get(t.id)!.evidence.at(-1)).toEqual({ at: T0, kind: 'valve', data: { action: 'close', valve: 'WP-05-valve', ok: true } });
    expect(service.recordAction('WO-nope', 'note', 'x')).toBeUndefined();
    expect(changes.map((c) => c.type)).toEqual(['opened', 'evidence']);
  });

  it('takes verificationMs from the rule list, else the default of the rule type', () => {
    const tmp = tempDb();
    cleanups.push(tmp.remove);
    const store = createSqliteStore({ file: tmp.file });
    store.start();
    cleanups.push(() => store.stop());
    const rules = [{ id: 'wp-cod', type: 'exceedance', siteKind: 'wastewater_pipe', pollutant: 'w01018', max: 500, standard: 'x', averaging: { kind: 'instant' }, minSamples: 1, durationMs: 0, verificationMs: 2 * HOUR, valve: false, level: 'exceedance', verified: true }] as const;
    const service = createTicketService({ store: store.tickets, registry, now: () => T0, log: silentLog, rules: [...rules] });
    expect(service.applyEvent(codEvent('open', T0, 700))!.verificationMs).toBe(2 * HOUR);
    const nd = service.applyEvent(codEvent('open', T0, undefined, { rule: 'no-data', ruleType: 'no-data', category: 'no-data', pollutant: '*', limit: undefined }))!;
    expect(nd).toMatchObject({ verificationMs: HOUR, samples: 0, pollutant: '*' });
    expect('peak' in nd).toBe(false);
  });

  it('applies a batch of events in one transaction; one that fails is rolled back alone and reported', () => {
    const { store, service, changes } = harness();
    const tickets = store.tickets;
    // a store that refuses to append evidence for WP-07, after the ticket row was already written
    const failing = createTicketService({
      store: {
        ...tickets,
        appendEvidence: (id, e) => {
          if (tickets.get(id)?.site === 'WP-07') throw new Error('disk says no');
          tickets.appendEvidence(id, e);
        },
      },
      registry,
      now: () => T0,
      log: silentLog,
    });
    failing.changes$.subscribe((c) => changes.push(c));
    const out = failing.applyEvents([
      { event: codEvent('open', T0, 700) },
      { event: codEvent('open', T0, 700, { site: 'WP-07' }) },
      { event: codEvent('update', T0 + 1, 800) },
    ]);
    expect(out.map((o) => [o.ticket?.site, o.error?.message])).toEqual([['WP-05', undefined], [undefined, 'disk says no'], ['WP-05', undefined]]);
    // the failed open left nothing behind (its savepoint was rolled back); the others committed
    expect(service.list({ site: 'WP-07' }).tickets).toEqual([]);
    expect(service.list({ site: 'WP-05' }).tickets[0]).toMatchObject({ samples: 2, peak: 800 });
    expect(changes.map((c) => c.type)).toEqual(['opened', 'updated']);
  });
});

describe('flow check of a ticket whose valve was shut', () => {
  it('is stored on the ticket with a history note; once complete, verification runs from its first sample', () => {
    const { service, changes, clock, file } = harness();
    const t = service.applyEvent(codEvent('open', T0, 700, { since: T0 - 600_000 }))!;
    service.applyEvent(codEvent('clear', T0 + HOUR, 300));
    expect(service.get(t.id)!.compliantSince).toBe(T0 + HOUR); // cleared while the valve was shut: proves nothing yet
    clock.t = T0 + 5 * HOUR;
    service.setFlowCheck(t.id, { required: 3, count: 1, shutAt: T0, reopenedAt: T0 + 4 * HOUR, firstAt: T0 + 4 * HOUR + 60_000 }, 'valve reported open again');
    expect(service.get(t.id)).toMatchObject({ flowCheck: { count: 1, required: 3 }, compliantSince: T0 + HOUR });
    service.setFlowCheck(t.id, { required: 3, count: 3, shutAt: T0, reopenedAt: T0 + 4 * HOUR, firstAt: T0 + 4 * HOUR + 60_000, doneAt: T0 + 5 * HOUR }, 'compliance shown under flow');
    const done = service.get(t.id)!;
    expect(done.compliantSince).toBe(T0 + 4 * HOUR + 60_000);
    expect(done.history.map((h) => h.note)).toEqual(['opened by rule wp-cod', 'back within limit, verification started', 'valve reported open again', 'compliance shown under flow']);
    expect(changes.filter((c) => c.type === 'verification')).toHaveLength(2);
    // kept across a restart (its own column)
    const again = harness(file);
    expect(again.service.get(t.id)!.flowCheck).toEqual(done.flowCheck);
  });
});
