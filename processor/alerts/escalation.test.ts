import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { waitFor } from '../../test/helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../../test/helpers/wecomStandIn.js';
import { createTicketService, type TicketService } from '../tickets/service.js';
import { createSqliteStore, type SqliteStore } from '../tickets/sqlite.js';
import { codEvent, silentLog, T0, tempDb } from '../tickets/testing/fixtures.js';
import { AlertsConfigSchema, EscalationSchema } from './config.js';
import { createAlerts, type Alerts } from './dispatcher.js';
import { createEscalator, type Escalator } from './escalation.js';
import { sqliteAlertOutbox } from './outbox.js';
import { ROBOT_KEY } from './testing/fixtures.js';

const registry = loadRegistry();
const MIN = 60_000;
const cleanups: (() => void | Promise<void>)[] = [];
let wecom: WecomStandIn;
let store: SqliteStore;

beforeEach(async () => {
  wecom = await startWecomStandIn({ keys: [ROBOT_KEY] });
  const tmp = tempDb('escalation-');
  store = createSqliteStore({ file: tmp.file });
  store.start();
  cleanups.push(tmp.remove, () => store.stop(), () => wecom.close());
});
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** the test scheduler's virtual time, from T0: the one clock of tickets, alerts and escalator */
function clockOf(ts: TestScheduler): SchedulerLike {
  return { now: () => T0 + ts.now(), schedule: ts.schedule.bind(ts) as SchedulerLike['schedule'] };
}

/** a running gateway's part: ticket service, alerts over the outbox in park.db, escalator; stop() is a shutdown */
function start(clock: SchedulerLike, escalation: object = {}, wecomOver: object = {}): { tickets: TicketService; alerts: Alerts; escalator: Escalator; stop(): void } {
  const config = AlertsConfigSchema.parse({ wecom: { baseUrl: wecom.baseUrl, ...wecomOver }, categories: { exceedance: ['wecom'] }, escalation });
  const tickets = createTicketService({ store: store.tickets, registry, now: () => clock.now(), log: silentLog });
  const alerts = createAlerts({ config, secrets: { wecomKey: ROBOT_KEY }, registry, log: silentLog, now: () => clock.now(), scheduler: clock, outbox: sqliteAlertOutbox(store.db) });
  const sub = tickets.changes$.subscribe((c) => alerts.handle(c));
  const escalator = createEscalator({ config: config.escalation, tickets, alerts, scheduler: clock, log: silentLog });
  const stop = () => {
    escalator.stop();
    sub.unsubscribe();
    alerts.stop();
    tickets.stop();
  };
  cleanups.push(stop);
  return { tickets, alerts, escalator, stop };
}

interface Row {
  ticket: string;
  at: number;
  alert: { text: string; key: string; changeAt: number };
}
/** escalation alerts recorded in the outbox: ticket, minutes after T0 when recorded, the alert */
const escalations = () =>
  (store.db.prepare(`SELECT ticket, created_at AS at, alert FROM alert_outbox WHERE id LIKE '%|escalated|%' ORDER BY seq`).all() as { ticket: string; at: number; alert: string }[]).map(
    (r): Row => ({ ticket: r.ticket, at: (r.at - T0) / MIN, alert: JSON.parse(r.alert) as Row['alert'] }),
  );

describe('escalation of unacknowledged tickets (TestScheduler virtual time)', () => {
  it('escalates an unacknowledged exceedance ticket at exactly 15, 30 and 60 min; an acknowledged one stops; nothing twice across a restart', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const clock = clockOf(ts);
    let ids: string[] = [];
    ts.run(() => {
      let g = start(clock);
      // two COD exceedances at T0 on two pipes' tickets (WP-05 COD and WP-05 NH3-N)
      const a = g.tickets.applyEvent(codEvent('open', T0, 650))!;
      const b = g.tickets.applyEvent(codEvent('open', T0, 40, { rule: 'wp-nh3', pollutant: 'w21003', limit: { max: 25, standard: 'GB 8978-1996' } }))!;
      ids = [a.id, b.id];
      expect(a.level).toBe('exceedance');
      expect(b.level).toBe('exceedance');
      // B is acknowledged at 20 min: after its reminder (15 min), before the chief (30 min)
      ts.schedule(() => expect(g.tickets.transition(b.id, { to: 'acknowledged', actor: 'OF-02' }).ok).toBe(true), 20 * MIN);
      // restart at 90 min: a new escalator (and dispatcher) on the same park.db re-arms A, whose steps are all past due
      ts.schedule(() => {
        g.stop();
        g = start(clock);
        expect(g.escalator.armed).toBe(1);
      }, 90 * MIN);
      // 120 min: a ticket acknowledged stays quiet for good
      ts.schedule(() => expect(g.escalator.armed).toBe(1), 120 * MIN);
    });
    const [a, b] = ids;
    expect(escalations().map((r) => [r.ticket, r.at])).toEqual([
      [a, 15],
      [b, 15],
      [a, 30],
      [a, 60],
    ]);
    const rows = escalations();
    expect(rows[0]!.alert.text).toContain('【工单未签收提醒】');
    expect(rows[0]!.alert.text).toContain('15分钟未签收');
    // no contacts in the registry: the role is named in the text
    expect(rows[2]!.alert.text).toContain('【工单升级·科室负责人】');
    expect(rows[2]!.alert.text).toContain('请科室负责人督办');
    expect(rows[3]!.alert.text).toContain('【工单升级·园区领导】');
    expect(new Set(rows.map((r) => r.alert.key)).size).toBe(4);
  });

  it('a warning ticket gets the reminder only; a contact in the registry is named and becomes the recipient', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const clock = clockOf(ts);
    ts.run(() => {
      const g = start(clock, { warning: { afterMs: [10 * MIN] }, exceedance: { afterMs: [5 * MIN, 7 * MIN] }, contacts: { chief: { name: '王科长', mobile: '13900000001' } } });
      g.tickets.applyEvent(codEvent('open', T0, 450, { level: 'warning' }));
      g.tickets.applyEvent(codEvent('open', T0, 40, { rule: 'wp-nh3', pollutant: 'w21003', limit: { max: 25, standard: 'GB 8978-1996' } }));
      ts.schedule(() => undefined, 24 * 60 * MIN);
    });
    const rows = escalations();
    expect(rows.map((r) => r.at)).toEqual([5, 7, 10]);
    expect(rows[1]!.alert.text).toContain('请科室负责人 王科长督办');
    expect((rows[1]!.alert as unknown as { officer: { mobile: string } }).officer.mobile).toBe('13900000001');
    expect(rows[2]!.alert.text).toContain('【工单未签收提醒】');
  });

  it('after a long downtime, only steps due within catchUpMs are sent', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const clock = clockOf(ts);
    let id = '';
    ts.run(() => {
      let g = start(clock, { enabled: false });
      id = g.tickets.applyEvent(codEvent('open', T0, 650))!.id;
      // down from the start; back 45 min later: the 15 and 30 min steps are past due
      ts.schedule(() => {
        g.stop();
        g = start(clock, { catchUpMs: 20 * MIN });
      }, 45 * MIN);
    });
    // 15 min: due 30 min before the start, beyond catchUpMs; 30 min: sent at the start; 60 min: on time
    expect(escalations().map((r) => [r.ticket, r.at, r.alert.changeAt - T0])).toEqual([
      [id, 45, 30 * MIN],
      [id, 60, 60 * MIN],
    ]);
  });

  it('rejects escalation steps that do not increase, with where and why', () => {
    const r = EscalationSchema.safeParse({ exceedance: { afterMs: [30 * MIN, 15 * MIN] } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('afterMs must increase');
    expect(r.error?.issues[0]?.path).toEqual(['exceedance', 'afterMs']);
  });

  it('delivers through the dispatcher: the WeCom group gets the chief step @-mentioning the chief from the registry (real time, stand-in robot)', async () => {
    const g = start(asyncScheduler, { exceedance: { afterMs: [100, 200] }, contacts: { chief: { name: '王科长', mobile: '13900000001' } } }, { minIntervalMs: 0 });
    const t = g.tickets.applyEvent(codEvent('open', Date.now(), 650))!;
    const msg = await waitFor(() => wecom.accepted.find((r) => r.content?.includes('【工单升级·科室负责人】')), 'chief escalation in the WeCom group');
    expect(msg.content).toContain(t.id);
    expect(msg.content).toContain('王科长');
    expect(msg.mentionedMobiles).toContain('13900000001');
    expect(wecom.accepted.filter((r) => r.content?.includes('【工单未签收提醒】'))).toHaveLength(1);
  });
});
