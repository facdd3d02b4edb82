import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { startSmsStandIn, type SmsStandIn } from '../../test/helpers/smsStandIn.js';
import { waitFor } from '../../test/helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../../test/helpers/wecomStandIn.js';
import { createTicketService, type TicketService } from '../tickets/service.js';
import { createSqliteStore, type SqliteStore } from '../tickets/sqlite.js';
import { codEvent, silentLog, T0, tempDb } from '../tickets/testing/fixtures.js';
import type { Alerts } from './alertsTypes.js';
import { createAlerts } from './dispatcher.js';
import { sqliteAlertOutbox } from './outbox.js';
import { createOverdueWatcher, type OverdueWatcher } from './overdue.js';
import { ALIYUN_KEYS, ROBOT_KEY, SIGN_NAME, standInConfig, TEMPLATE_CODE, TEMPLATE_VARS } from './testing/fixtures.js';

const base = loadRegistry();
const HOUR = 3_600_000;
const CHIEF = { name: '王科长', mobile: '13900000001' };
const cleanups: (() => void | Promise<void>)[] = [];
let wecom: WecomStandIn;
let sms: SmsStandIn;
let store: SqliteStore;

beforeEach(async () => {
  wecom = await startWecomStandIn({ keys: [ROBOT_KEY] });
  sms = await startSmsStandIn({ accessKeys: { [ALIYUN_KEYS.accessKeyId]: ALIYUN_KEYS.accessKeySecret }, signNames: [SIGN_NAME], templates: { [TEMPLATE_CODE]: TEMPLATE_VARS } });
  const tmp = tempDb('overdue-');
  store = createSqliteStore({ file: tmp.file });
  store.start();
  cleanups.push(tmp.remove, () => store.stop(), () => wecom.close(), () => sms.close());
});
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

function clockOf(ts: TestScheduler): SchedulerLike {
  return { now: () => T0 + ts.now(), schedule: ts.schedule.bind(ts) as SchedulerLike['schedule'] };
}

/** a running gateway's part: tickets, alerts over the outbox in park.db, the overdue watcher; stop() is a shutdown */
function start(clock: SchedulerLike, over: { deadlines?: object; overdue?: object } = {}): { tickets: TicketService; alerts: Alerts; watcher: OverdueWatcher; stop(): void } {
  const config = standInConfig({ wecom: wecom.baseUrl, sms: sms.url }, { wecom: { minIntervalMs: 0 }, escalation: { enabled: false, contacts: { chief: CHIEF } }, ...over });
  const registry: Registry = { ...base, alerts: config };
  const tickets = createTicketService({ store: store.tickets, registry, now: () => clock.now(), log: silentLog });
  const alerts = createAlerts({ config, secrets: { wecomKey: ROBOT_KEY, aliyun: ALIYUN_KEYS }, registry, log: silentLog, now: () => clock.now(), scheduler: clock, outbox: sqliteAlertOutbox(store.db) });
  const sub = tickets.changes$.subscribe((c) => alerts.handle(c));
  const watcher = createOverdueWatcher({ config: config.overdue, tickets, alerts, scheduler: clock, log: silentLog });
  const stop = () => {
    watcher.stop();
    sub.unsubscribe();
    alerts.stop();
    tickets.stop();
  };
  cleanups.push(stop);
  return { tickets, alerts, watcher, stop };
}

interface Row {
  id: string;
  ticket: string;
  recipient: string | null;
  /** hours after T0 when recorded */
  at: number;
  alert: { text: string; changeAt: number; officer?: { mobile: string }; cc?: { mobile: string }[] };
}
const overdueRows = () =>
  (store.db.prepare(`SELECT id, ticket, recipient, created_at AS at, alert FROM alert_outbox WHERE id LIKE '%|overdue|%' ORDER BY seq`).all() as (Omit<Row, 'alert'> & { alert: string })[]).map(
    (r): Row => ({ ...r, at: (r.at - T0) / HOUR, alert: JSON.parse(r.alert) as Row['alert'] }),
  );

describe('overdue tickets (TestScheduler virtual time)', () => {
  it('alerts once per ticket and deadline to the officer and the chief; a closed ticket never; a restart catches up without duplicates', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const clock = clockOf(ts);
    const ids: Record<string, string> = {};
    ts.run(() => {
      let g = start(clock);
      // A: COD exceedance at WP-05 (OF-02), deadline T0 + 24 h
      ids.a = g.tickets.applyEvent(codEvent('open', T0, 650))!.id;
      // C: a warning at WP-01 (OF-01), deadline T0 + 72 h, closed at 30 h
      ids.c = g.tickets.applyEvent(codEvent('open', T0, 420, { site: 'WP-01', level: 'warning' }))!.id;
      ts.schedule(() => {
        g.tickets.applyEvent(codEvent('clear', clock.now(), 100, { site: 'WP-01', level: 'warning' }));
        for (const to of ['acknowledged', 'awaiting_verification'] as const) expect(g.tickets.transition(ids.c!, { to, actor: 'OF-01' }).ok).toBe(true);
      }, 1 * HOUR);
      // B: NH3-N at WP-05 opened at 10 h (deadline 34 h), acknowledged at 11 h: acknowledging does not stop the deadline
      ts.schedule(() => {
        ids.b = g.tickets.applyEvent(codEvent('open', clock.now(), 40, { rule: 'wp-nh3', pollutant: 'w21003', limit: { max: 25, standard: 'GB 8978-1996' } }))!.id;
      }, 10 * HOUR);
      ts.schedule(() => expect(g.tickets.transition(ids.b!, { to: 'acknowledged', actor: 'OF-02' }).ok).toBe(true), 11 * HOUR);
      // down from 20 h to 26 h: A's deadline passes meanwhile and is alerted at the start
      ts.schedule(() => g.stop(), 20 * HOUR);
      ts.schedule(() => (g = start(clock)), 26 * HOUR);
      // another restart at 28 h: A is not alerted again (the outbox id: ticket and deadline)
      ts.schedule(() => {
        g.stop();
        g = start(clock);
      }, 28 * HOUR);
      ts.schedule(() => expect(g.tickets.transition(ids.c!, { to: 'closed', actor: 'OF-01' }).ok).toBe(true), 30 * HOUR);
      ts.schedule(() => undefined, 100 * HOUR);
    });
    const rows = overdueRows();
    expect(rows.map((r) => [r.ticket, r.at, r.recipient, r.id.split('|').slice(3).join('|')])).toEqual([
      [ids.a, 26, null, 'wecom'],
      [ids.a, 26, '13800001102', 'sms'],
      [ids.a, 26, CHIEF.mobile, 'sms|chief'],
      [ids.b, 34, null, 'wecom'],
      [ids.b, 34, '13800001102', 'sms'],
      [ids.b, 34, CHIEF.mobile, 'sms|chief'],
    ]);
    expect(rows[0]!.alert.changeAt).toBe(T0 + 24 * HOUR);
    expect(rows[3]!.alert.changeAt).toBe(T0 + 34 * HOUR);
    expect(rows[0]!.alert.text).toMatch(/^【逾期】/);
    expect(rows[0]!.alert.text).toContain('工单已超过整改期限 11月26日 10:00 未闭环，当前未签收');
    expect(rows[0]!.alert.text).toContain(`请科室负责人 王科长 督办 工单 ${ids.a}`);
    expect(rows[3]!.alert.text).toContain('当前已签收');
    expect(rows[0]!.alert.cc).toEqual([{ mobile: CHIEF.mobile }]);
  });

  it('skips deadlines that passed longer than catchUpMs before a start', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const clock = clockOf(ts);
    ts.run(() => {
      let g = start(clock, { overdue: { enabled: false } });
      g.tickets.applyEvent(codEvent('open', T0, 650)); // deadline 24 h
      ts.schedule(() => {
        g.stop();
        g = start(clock, { overdue: { catchUpMs: 2 * HOUR } });
        expect(g.watcher.armed).toBe(0);
      }, 30 * HOUR);
    });
    expect(overdueRows()).toEqual([]);
  });

  it('delivers the overdue alert: WeCom @officer and @chief in one message, SMS to both (stand-ins, real time)', async () => {
    const g = start(asyncScheduler, { deadlines: { exceedance: 300 } });
    const t = g.tickets.applyEvent(codEvent('open', Date.now(), 650))!;
    const msg = await waitFor(() => wecom.accepted.find((r) => r.content?.startsWith('【逾期】')), 'the overdue WeCom message');
    expect(msg.content).toContain(t.id);
    expect(msg.mentionedMobiles).toEqual(['13800001102', CHIEF.mobile]);
    const chief = await waitFor(() => sms.sent.find((r) => r.phoneNumbers.includes(CHIEF.mobile)), 'the chief’s SMS');
    expect(chief.templateParam).toEqual({ site: expect.any(String), pollutant: 'COD超标', value: '逾期未闭环', ticket: t.id });
    expect(g.watcher.armed).toBe(0);
  });
});
