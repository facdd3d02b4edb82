import { from, lastValueFrom, tap, timer, zip } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createAlerts, type AlertOutcome, type Alerts } from '../../processor/alerts/index.js';
import { ALIYUN_KEYS, changeOf, codTicket, ROBOT_KEY, SIGN_NAME, standInConfig, TEMPLATE_CODE, TEMPLATE_VARS } from '../../processor/alerts/testing/fixtures.js';
import type { RuleEvent } from '../../processor/rules/schema.js';
import { createTicketService } from '../../processor/tickets/service.js';
import { createSqliteStore } from '../../processor/tickets/sqlite.js';
import { tempDb } from '../../processor/tickets/testing/fixtures.js';
import { startSmsStandIn, type SmsStandIn } from '../helpers/smsStandIn.js';
import { waitFor } from '../helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../helpers/wecomStandIn.js';

const registry = loadRegistry();
const log = createLogger('alerts-storm-test', 'silent');
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function standIns(limit?: { max: number; windowMs: number }): Promise<{ wecom: WecomStandIn; sms: SmsStandIn }> {
  const wecom = await startWecomStandIn({ keys: [ROBOT_KEY], ...(limit ? { limit } : {}) });
  const sms = await startSmsStandIn({ accessKeys: { [ALIYUN_KEYS.accessKeyId]: ALIYUN_KEYS.accessKeySecret }, signNames: [SIGN_NAME], templates: { [TEMPLATE_CODE]: TEMPLATE_VARS } });
  cleanups.push(() => wecom.close(), () => sms.close());
  return { wecom, sms };
}

function start(config: Parameters<typeof createAlerts>[0]['config']): { alerts: Alerts; outcomes: AlertOutcome[] } {
  const alerts = createAlerts({ config, secrets: { wecomKey: ROBOT_KEY, aliyun: ALIYUN_KEYS }, registry, log });
  const outcomes: AlertOutcome[] = [];
  alerts.outcomes$.subscribe((o) => outcomes.push(o));
  cleanups.push(() => alerts.stop());
  return { alerts, outcomes };
}

/** hands `items` to `fn` on an arrival schedule, one every `everyMs` (the storm's shape, not a wait for anything) */
const arrive = <T>(items: T[], everyMs: number, fn: (item: T) => void) => lastValueFrom(zip(from(items), timer(0, everyMs)).pipe(tap(([item]) => fn(item))));
const answered = (w: WecomStandIn, code: number) => w.requests.filter((r) => 'errcode' in r.answer && r.answer.errcode === code).length;
/** ticket ids named in the messages the robot accepted */
const coveredIds = (w: WecomStandIn) => new Set(w.accepted.flatMap((r) => r.content?.match(/WO-\d{8}-\d{4}/g) ?? []));

describe('alert storm', () => {
  it('60 ticket openings in a few seconds: every ticket reaches WeCom, within 20 requests a minute, no 130101; SMS per officer aggregated', async () => {
    const { wecom, sms } = await standIns();
    const { alerts, outcomes } = start(standInConfig({ wecom: wecom.baseUrl, sms: sms.url }, { sms: { minIntervalMs: 5000 } }));
    const tmp = tempDb('alerts-storm-');
    const store = createSqliteStore({ file: tmp.file });
    store.start();
    const tickets = createTicketService({ store: store.tickets, registry, now: Date.now, log });
    const sub = tickets.changes$.subscribe((c) => alerts.handle(c));
    cleanups.push(() => {
      sub.unsubscribe();
      tickets.stop();
      store.stop();
      tmp.remove();
    });

    const pipes = registry.sites.filter((s) => s.kind === 'wastewater_pipe').map((s) => s.id);
    const events: RuleEvent[] = [
      ...pipes.map((site) => ({ rule: 'wp-cod', pollutant: 'w01018', site, value: 650, max: 500 })),
      ...pipes.map((site) => ({ rule: 'wp-nh3n', pollutant: 'w21003', site, value: 52, max: 45 })),
    ]
      .slice(0, 60)
      .map((e) => ({ type: 'open', ruleType: 'exceedance', category: 'exceedance', ts: Date.now(), rule: e.rule, site: e.site, pollutant: e.pollutant, value: e.value, limit: { max: e.max, standard: 'GB/T 31962-2015 表1 B级' } }));
    // as the rule engine delivers them: batches of events, each batch in one transaction
    const ids: string[] = [];
    await arrive([0, 10, 20, 30, 40, 50], 400, (i) => ids.push(...tickets.applyEvents(events.slice(i, i + 10).map((event) => ({ event }))).map((o) => o.ticket!.id)));
    expect(new Set(ids).size).toBe(60);

    await waitFor(() => ids.every((id) => coveredIds(wecom).has(id)), 'every ticket in a WeCom message', 90_000);
    expect(wecom.requests.length).toBeLessThan(20);
    expect(wecom.maxInWindow(ROBOT_KEY, 60_000)).toBeLessThanOrEqual(20);
    expect(answered(wecom, 130101)).toBe(0);
    expect(wecom.violations).toEqual([]);
    for (const r of wecom.accepted) expect(r.contentBytes).toBeLessThanOrEqual(2048);
    // the mentioned officers are exactly the officers of the tickets
    const officerMobiles = new Set(ids.map((id) => registry.officers.find((o) => o.id === tickets.get(id)!.officer)!.mobile));
    expect(new Set(wecom.accepted.flatMap((r) => r.mentionedMobiles))).toEqual(officerMobiles);

    const smsCovered = () => new Set(outcomes.filter((o) => o.channel === 'sms' && o.status === 'sent').flatMap((o) => o.alerts.map((a) => a.ticketId)));
    await waitFor(() => ids.every((id) => smsCovered().has(id)), 'every ticket in an SMS to its officer', 90_000);
    expect(sms.violations).toEqual([]);
    // several tickets of one officer share an SMS (site 等N处, ticket 等N张)
    expect(sms.sent.length).toBeLessThan(60);
    expect(sms.sent.some((r) => /等\d+张$/.test(r.templateParam?.ticket ?? ''))).toBe(true);
    expect(alerts.counters()).toMatchObject({ sent: 120, failed: 0, pending: 0, dropped: 0, rateLimited: 0 });
  });

  it('alerts spread over time stay within the robot limit (compressed: 3 per 3 s), all delivered, no 130101', async () => {
    const limit = { max: 3, windowMs: 3000 };
    const { wecom, sms } = await standIns(limit);
    const { alerts } = start(standInConfig({ wecom: wecom.baseUrl, sms: sms.url }, { routes: { opened: ['wecom'] }, wecom: { rateLimit: limit, minIntervalMs: 0 } }));
    const ids = Array.from({ length: 10 }, (_, i) => `WO-20261126-${String(i + 1).padStart(4, '0')}`);
    await arrive(ids, 100, (id) => alerts.handle(changeOf('opened', codTicket({ id }))));
    await waitFor(() => ids.every((id) => coveredIds(wecom).has(id)), 'every ticket delivered', 60_000);
    expect(wecom.maxInWindow(ROBOT_KEY, limit.windowMs)).toBeLessThanOrEqual(3);
    expect(answered(wecom, 130101)).toBe(0);
    expect(wecom.requests.length).toBeLessThan(ids.length);
  });

  it('a robot that answers 130101 sooner than configured: alerts wait and are retried, none lost or failed', async () => {
    const { wecom, sms } = await standIns({ max: 2, windowMs: 3000 });
    const { alerts } = start(
      standInConfig({ wecom: wecom.baseUrl, sms: sms.url }, { routes: { opened: ['wecom'] }, wecom: { rateLimit: { max: 10, windowMs: 3000 }, minIntervalMs: 0, rateLimitBackoffMs: 3000 } }),
    );
    const ids = Array.from({ length: 8 }, (_, i) => `WO-20261126-${String(i + 1).padStart(4, '0')}`);
    await arrive(ids, 150, (id) => alerts.handle(changeOf('opened', codTicket({ id }))));
    // the stand-in records a message before its answer reaches the dispatcher: wait for both sides
    await waitFor(() => ids.every((id) => coveredIds(wecom).has(id)) && alerts.counters().pending === 0, 'every ticket delivered after 130101, and its answer handled', 60_000);
    expect(answered(wecom, 130101)).toBeGreaterThan(0);
    expect(alerts.counters()).toMatchObject({ sent: 8, failed: 0, dropped: 0, pending: 0 });
    expect(alerts.counters().rateLimited).toBe(answered(wecom, 130101));
  });
});
