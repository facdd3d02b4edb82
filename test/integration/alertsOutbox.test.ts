import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createAlerts, sqliteAlertOutbox, type AlertOutcome, type Alerts } from '../../processor/alerts/index.js';
import { ALIYUN_KEYS, changeOf, codTicket, ROBOT_KEY, SIGN_NAME, standInConfig, T, TEMPLATE_CODE, TEMPLATE_VARS } from '../../processor/alerts/testing/fixtures.js';
import { migrate } from '../../processor/tickets/migrations.js';
import { tempDb } from '../../processor/tickets/testing/fixtures.js';
import { startSmsStandIn, type SmsStandIn } from '../helpers/smsStandIn.js';
import { waitFor } from '../helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../helpers/wecomStandIn.js';

const registry = loadRegistry();
const log = createLogger('alerts-outbox-test', (process.env.TEST_LOG ?? 'silent') as 'silent');
/** how long the robot is down: 2 minutes in the field, short here (the behaviour does not depend on it) */
const DOWN_MS = Number(process.env.ALERTS_TEST_DOWN_MS ?? 2500);

let wecom: WecomStandIn;
let sms: SmsStandIn;
let tmp: ReturnType<typeof tempDb>;
let db: Database.Database;
const running: Alerts[] = [];

beforeEach(async () => {
  wecom = await startWecomStandIn({ keys: [ROBOT_KEY] });
  sms = await startSmsStandIn({ accessKeys: { [ALIYUN_KEYS.accessKeyId]: ALIYUN_KEYS.accessKeySecret }, signNames: [SIGN_NAME], templates: { [TEMPLATE_CODE]: TEMPLATE_VARS }, dailyCap: 50 });
  tmp = tempDb('alert-outbox-');
  db = new Database(tmp.file);
  migrate(db);
});
afterEach(async () => {
  for (const a of running.splice(0)) a.stop();
  db.close();
  tmp.remove();
  await wecom.close();
  await sms.close();
});

/** the alerts over the outbox in the temp park.db (a new one is what a restarted gateway makes) */
function start(over: Parameters<typeof standInConfig>[1] = {}, outcomes: AlertOutcome[] = []): Alerts {
  const a = createAlerts({
    config: standInConfig({ wecom: wecom.baseUrl, sms: sms.url }, { wecom: { minIntervalMs: 200, retry: { initialMs: 100, maxMs: 400, attempts: 2 } }, ...over }),
    secrets: { wecomKey: ROBOT_KEY, aliyun: ALIYUN_KEYS },
    registry,
    log,
    outbox: sqliteAlertOutbox(db),
  });
  a.outcomes$.subscribe((o) => outcomes.push(o));
  running.push(a);
  return a;
}

/** exceedance tickets alert WeCom only (no SMS queue in these cases) */
const WECOM_ONLY = { categories: { exceedance: ['wecom'] } };

/** opened changes of n COD tickets at WP-01, a second apart */
const openings = (n: number) =>
  Array.from({ length: n }, (_, i) => changeOf('opened', codTicket({ id: `WO-20261126-${String(i + 1).padStart(4, '0')}` }), { at: T + i * 1000 }));

const rows = (channel: string) => db.prepare(`SELECT id, status FROM alert_outbox WHERE channel = ? ORDER BY seq`).all(channel) as { id: string; status: string }[];
/** ticket ids in the order the robot accepted them (a summary lists several) */
const deliveredTickets = () => wecom.accepted.flatMap((r) => [...(r.content ?? '').matchAll(/WO-\d{8}-\d{4}/g)].map((m) => m[0]));

describe('the durable alert outbox (park.db alert_outbox)', () => {
  it('records an alert before it is sent, marks it sent on the robot\'s errcode 0, and never makes two alerts of one ticket change, even after a restart', async () => {
    const outcomes: AlertOutcome[] = [];
    const a = start({}, outcomes);
    const [change] = openings(1);
    a.handle(change!);
    // recorded at once, before any request
    expect(rows('wecom')).toEqual([{ id: 'WO-20261126-0001|opened|' + T + '|wecom', status: 'pending' }]);
    expect(rows('sms')).toEqual([{ id: 'WO-20261126-0001|opened|' + T + '|sms', status: 'pending' }]);
    await waitFor(() => rows('wecom')[0]?.status === 'sent' && rows('sms')[0]?.status === 'sent', 'both alerts marked sent');
    expect(outcomes.filter((o) => o.status === 'sent').map((o) => o.channel).sort()).toEqual(['sms', 'wecom']);
    a.stop();
    // a restarted gateway given the same change (its dedup window in memory is empty): the database refuses the second alert
    const b = start();
    b.handle(change!);
    expect(b.counters()).toMatchObject({ deduplicated: 2, pending: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM alert_outbox').get()).toEqual({ n: 2 });
    expect(wecom.accepted).toHaveLength(1);
  });

  it(`WeCom down ${DOWN_MS} ms with a restart in between: every alert delivered after recovery, in order, none twice`, async () => {
    wecom.downFor(DOWN_MS);
    const a = start(WECOM_ONLY);
    const changes = openings(5);
    for (const c of changes.slice(0, 3)) a.handle(c);
    // more failures than retry.attempts (2): the alerts keep waiting instead of failing
    await waitFor(() => wecom.requests.length >= 3, 'three refused requests');
    a.stop(); // the restart: what was queued is only on disk now
    expect(rows('wecom').map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    const outcomes: AlertOutcome[] = [];
    const b = start(WECOM_ONLY, outcomes);
    for (const c of changes.slice(3)) b.handle(c);
    await waitFor(() => rows('wecom').length === 5 && rows('wecom').every((r) => r.status === 'sent'), 'all five alerts marked sent', DOWN_MS + 15_000);
    expect(wecom.requests.some((r) => 'http' in r.answer)).toBe(true);
    expect(deliveredTickets()).toEqual(changes.map((c) => c.ticket.id));
    expect(outcomes.filter((o) => o.status !== 'sent')).toEqual([]);
    expect(b.counters()).toMatchObject({ failed: 0, dropped: 0, pending: 0 });
  });

  it('a full queue drops nothing: alerts beyond maxQueued wait on disk and go out in order', async () => {
    wecom.downFor(800);
    const a = start({ ...WECOM_ONLY, wecom: { minIntervalMs: 200, maxQueued: 2, retry: { initialMs: 100, maxMs: 400, attempts: 2 } } });
    const changes = openings(7);
    for (const c of changes) a.handle(c);
    expect(a.counters()).toMatchObject({ dropped: 0, pending: 7 });
    expect(a.counters().byChannel.wecom.pending).toBe(7);
    await waitFor(() => rows('wecom').every((r) => r.status === 'sent'), 'all seven alerts marked sent', 15_000);
    expect(a.counters()).toMatchObject({ dropped: 0, failed: 0, pending: 0 });
    expect(deliveredTickets()).toEqual(changes.map((c) => c.ticket.id));
    // two at most in memory: no message carried more than two alerts
    expect(Math.max(...wecom.accepted.map((r) => (r.content ?? '').match(/WO-\d{8}-\d{4}/g)!.length))).toBeLessThanOrEqual(2);
  });

  it("SMS sent before a restart still count towards the number's daily cap", async () => {
    const smsOnly = { categories: { exceedance: ['sms'] }, sms: { dailyCapPerNumber: 2, minIntervalMs: 0 } };
    const [first, second, third] = openings(3);
    const a = start(smsOnly);
    a.handle(first!);
    await waitFor(() => rows('sms')[0]?.status === 'sent', 'the first SMS sent');
    a.handle(second!);
    await waitFor(() => rows('sms')[1]?.status === 'sent', 'the second SMS sent');
    a.stop();
    const outcomes: AlertOutcome[] = [];
    const b = start(smsOnly, outcomes);
    b.handle(third!);
    await waitFor(() => rows('sms')[2]?.status === 'capped', 'the third alert capped (2 a day to that number)');
    expect(sms.sent).toHaveLength(2);
    expect(outcomes.map((o) => o.status)).toEqual(['capped']);
  });

  it('a permanent refusal (93000) settles the alert as failed, not retried after a restart', async () => {
    wecom.script({ errcode: 93000 });
    const a = start(WECOM_ONLY);
    a.handle(openings(1)[0]!);
    await waitFor(() => rows('wecom')[0]?.status === 'failed', 'alert marked failed');
    a.stop();
    start(WECOM_ONLY);
    expect(rows('wecom')).toHaveLength(1);
    expect(wecom.requests).toHaveLength(1);
  });
});
