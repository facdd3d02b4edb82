import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createAlerts, type AlertOutcome, type Alerts, type AlertsConfig, type Channel } from '../../processor/alerts/index.js';
import { ALIYUN_KEYS, changeOf, codTicket, ROBOT_KEY, SIGN_NAME, standInConfig, TEMPLATE_CODE, TEMPLATE_VARS } from '../../processor/alerts/testing/fixtures.js';
import type { RuleEvent } from '../../processor/rules/schema.js';
import { createTicketService, type TicketService } from '../../processor/tickets/service.js';
import { createSqliteStore, type SqliteStore } from '../../processor/tickets/sqlite.js';
import { tempDb } from '../../processor/tickets/testing/fixtures.js';
import { startSmsStandIn, type SmsStandIn } from '../helpers/smsStandIn.js';
import { waitFor } from '../helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../helpers/wecomStandIn.js';

const registry = loadRegistry();
const log = createLogger('alerts-test', 'silent');
const STANDARD = 'GB/T 31962-2015 表1 B级 COD 500 mg/L';

let wecom: WecomStandIn;
let sms: SmsStandIn;
let alerts: Alerts | undefined;
let outcomes: AlertOutcome[];
const cleanups: (() => void | Promise<void>)[] = [];

beforeEach(async () => {
  wecom = await startWecomStandIn({ keys: [ROBOT_KEY] });
  sms = await startSmsStandIn({ accessKeys: { [ALIYUN_KEYS.accessKeyId]: ALIYUN_KEYS.accessKeySecret }, signNames: [SIGN_NAME], templates: { [TEMPLATE_CODE]: TEMPLATE_VARS }, dailyCap: 2 });
  outcomes = [];
});
afterEach(async () => {
  alerts?.stop();
  alerts = undefined;
  for (const f of cleanups.splice(0).reverse()) await f();
  await wecom.close();
  await sms.close();
});

function start(over: Parameters<typeof standInConfig>[1] = {}, extra: { key?: string; secret?: string; onSent?: (id: string, ch: Channel) => void } = {}): Alerts {
  const config: AlertsConfig = standInConfig({ wecom: wecom.baseUrl, sms: sms.url }, over);
  const a = createAlerts({
    config,
    secrets: { wecomKey: extra.key ?? ROBOT_KEY, aliyun: { ...ALIYUN_KEYS, accessKeySecret: extra.secret ?? ALIYUN_KEYS.accessKeySecret } },
    registry,
    log,
    ...(extra.onSent ? { onSent: extra.onSent } : {}),
  });
  a.outcomes$.subscribe((o) => outcomes.push(o));
  alerts = a;
  return a;
}

/** the real ticket service on a temp SQLite file, its changes feeding the alerts */
function ticketsInto(a: Alerts): TicketService {
  const tmp = tempDb('alerts-');
  const store: SqliteStore = createSqliteStore({ file: tmp.file });
  store.start();
  const service = createTicketService({ store: store.tickets, registry, now: Date.now, log });
  const sub = service.changes$.subscribe((c) => a.handle(c));
  cleanups.push(() => {
    sub.unsubscribe();
    service.stop();
    store.stop();
    tmp.remove();
  });
  return service;
}

const codOpen = (site: string, value: number): RuleEvent => ({
  type: 'open', rule: 'wp-cod', ruleType: 'exceedance', category: 'exceedance', site, pollutant: 'w01018', ts: Date.now(), value, limit: { max: 500, standard: STANDARD },
});
const outcome = (channel: Channel, status: AlertOutcome['status'], ticketId?: string) =>
  outcomes.find((o) => o.channel === channel && o.status === status && (!ticketId || o.alerts.some((a) => a.ticketId === ticketId)));

describe('alerts through the WeCom and Aliyun SMS stand-ins', () => {
  it('an opened ticket sends one WeCom message mentioning the officer and one signed SMS to the officer', async () => {
    const noted: string[] = [];
    const a = start({}, { onSent: (id, ch) => noted.push(`${id}/${ch}`) });
    const tickets = ticketsInto(a);
    const before = Date.now();
    const t = tickets.applyEvent(codOpen('WP-01', 650))!;
    await waitFor(() => outcome('wecom', 'sent') && outcome('sms', 'sent'), 'WeCom and SMS sent');

    expect(wecom.requests).toHaveLength(1);
    const msg = wecom.accepted[0]!;
    expect(msg.body).toMatchObject({ msgtype: 'text', text: { mentioned_mobile_list: ['13800001101'] } });
    expect(msg.content).toBe(`【超标告警】明弘集团一企一管排口 COD 650 mg/L > 500 mg/L (${STANDARD}) ${msg.content!.match(/\d\d:\d\d/)![0]} 工单 ${t.id} 负责人 王青`);
    expect(msg.at).toBeGreaterThanOrEqual(before);

    expect(sms.requests).toHaveLength(1);
    const s = sms.sent[0]!;
    expect(s.phoneNumbers).toEqual(['13800001101']);
    expect(s.templateParam).toEqual({ site: '明弘集团一企一管排口', pollutant: 'COD超标', value: '650 mg/L', ticket: t.id });
    expect(s.params.SignName).toBe(SIGN_NAME);
    expect(outcome('sms', 'sent')!.messageId).toBe(s.bizId);
    expect(wecom.violations).toEqual([]);
    expect(sms.violations).toEqual([]);

    const sent = outcome('wecom', 'sent')!;
    expect(sent.requestAt).toBeLessThanOrEqual(msg.at);
    expect(noted.sort()).toEqual([`${t.id}/sms`, `${t.id}/wecom`]);
    expect(a.counters()).toMatchObject({ sent: 2, failed: 0, pending: 0, rateLimited: 0, dropped: 0 });
  });

  it('the level reaches the alert: a 预警 ticket goes to the WeCom group only, named 预警; a 管控 one also by SMS, named 管控', async () => {
    const a = start();
    const tickets = ticketsInto(a);
    const warn = tickets.applyEvent({ ...codOpen('WP-01', 420), rule: 'wp-cod-warn', level: 'warning', limit: { max: 400, standard: '园区预警规则 COD 达限值80%' } })!;
    await waitFor(() => outcome('wecom', 'sent', warn.id), 'the warning on WeCom');
    expect(wecom.accepted[0]!.content).toMatch(/^【预警】明弘集团一企一管排口 COD 420 mg\/L > 400 mg\/L \(园区预警规则 COD 达限值80%\)/);
    const ro = tickets.applyEvent({ ...codOpen('RO-01', 55), rule: 'ro-cod', limit: { max: 40, standard: 'GB 3838-2002 表1 V类 COD 40 mg/L (园区基准)' } })!;
    expect(ro.level).toBe('control');
    await waitFor(() => outcome('sms', 'sent', ro.id) && outcome('wecom', 'sent', ro.id), 'the control alert on WeCom and SMS');
    expect(wecom.accepted.map((r) => r.content).find((c) => c?.includes(ro.id))).toMatch(/^【管控告警】1#雨水排口 COD 55 mg\/L > 40 mg\/L/);
    expect(sms.sent.map((x) => x.templateParam)).toEqual([{ site: '1#雨水排口', pollutant: 'COD管控', value: '55 mg/L', ticket: ro.id }]);
    expect(outcomes.filter((o) => o.channel === 'sms' && o.alerts.some((x) => x.ticketId === warn.id))).toEqual([]);
  });

  it('cleared and instrument changes go to WeCom only; a repeated change within the window alerts once', async () => {
    // the officers' channels only: the copies to the enterprise's contacts are processor/alerts/recipients.test.ts
    const a = start({ faults: { enabled: false } });
    const instrument = codTicket({ id: 'WO-20261126-0002', category: 'instrument', rule: 'instrument', peak: undefined, limit: undefined });
    a.handle(changeOf('cleared'));
    a.handle(changeOf('opened', instrument));
    a.handle(changeOf('opened', instrument));
    await waitFor(() => outcomes.filter((o) => o.status === 'sent').flatMap((o) => o.alerts).length === 2, 'two WeCom alerts');
    const contents = wecom.accepted.map((r) => r.content).join('\n');
    expect(contents).toContain('【超标恢复】');
    expect(contents).toContain('【仪器异常告警】');
    expect(sms.requests).toHaveLength(0);
    expect(a.counters().deduplicated).toBe(1);
    expect(wecom.violations).toEqual([]);
  });

  it('130101: the robot backs off, retries the same alert later, and nothing is lost', async () => {
    const a = start({ wecom: { rateLimitBackoffMs: 1500 }, routes: { opened: ['wecom'] } });
    wecom.script({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
    a.handle(changeOf('opened'));
    await waitFor(() => outcome('wecom', 'sent'), 'WeCom sent after the rate limit');
    expect(wecom.requests.map((r) => 'errcode' in r.answer && r.answer.errcode)).toEqual([130101, 0]);
    expect(wecom.requests[1]!.at - wecom.requests[0]!.at).toBeGreaterThanOrEqual(1500);
    expect(wecom.requests[1]!.content).toContain('WO-20261126-0001');
    expect(a.counters()).toMatchObject({ sent: 1, failed: 0, rateLimited: 1, pending: 0 });
  });

  it('93000 (bad key): reported as failed, not retried', async () => {
    const a = start({ routes: { opened: ['wecom'] }, wecom: { retry: { initialMs: 100 } } }, { key: 'not-a-robot' });
    a.handle(changeOf('opened'));
    const failed = await waitFor(() => outcome('wecom', 'failed'), 'WeCom failure reported');
    expect(failed.code).toBe(93000);
    // nothing left queued, so nothing can be retried
    await waitFor(() => a.counters().pending === 0, 'the queue empty after the failure');
    expect(wecom.requests).toHaveLength(1);
    expect(a.counters()).toMatchObject({ sent: 0, failed: 1, pending: 0 });
  });

  it('HTTP errors are retried with backoff', async () => {
    const a = start({ routes: { opened: ['wecom'] }, wecom: { retry: { initialMs: 200, attempts: 4 } } });
    wecom.script({ http: 502 }, { http: 503 });
    a.handle(changeOf('opened'));
    await waitFor(() => outcome('wecom', 'sent'), 'WeCom sent after HTTP errors');
    expect(wecom.requests.map((r) => r.answer)).toEqual([{ http: 502 }, { http: 503 }, { errcode: 0, errmsg: 'ok' }]);
    expect(outcome('wecom', 'sent')!.attempts).toBe(3);
  });

  it('SMS daily cap: the provider answers BUSINESS_LIMIT_CONTROL, reported as capped; then capped without a request', async () => {
    const a = start({ routes: { opened: ['sms'] }, sms: { minIntervalMs: 0, dailyCapPerNumber: 50 } });
    const ids = ['0001', '0002', '0003', '0004'].map((n) => `WO-20261126-${n}`);
    for (const [i, id] of ids.entries()) {
      a.handle(changeOf('opened', codTicket({ id })));
      await waitFor(() => outcomes.filter((o) => o.channel === 'sms').length === i + 1, `SMS outcome ${i + 1}`);
    }
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'capped', 'capped']);
    expect(outcomes[2]!.code).toBe('isv.BUSINESS_LIMIT_CONTROL');
    expect(outcomes[3]!.requestAt).toBeUndefined();
    expect(sms.requests.map((r) => r.code)).toEqual(['OK', 'OK', 'isv.BUSINESS_LIMIT_CONTROL']);
    expect(a.counters()).toMatchObject({ sent: 2, capped: 2, failed: 0 });
    expect(sms.violations).toEqual([]);
  });

  it('our own daily cap stops SMS before the provider has to', async () => {
    const a = start({ routes: { opened: ['sms'] }, sms: { minIntervalMs: 0, dailyCapPerNumber: 1 } });
    a.handle(changeOf('opened', codTicket({ id: 'WO-20261126-0001' })));
    await waitFor(() => outcome('sms', 'sent'), 'first SMS');
    a.handle(changeOf('opened', codTicket({ id: 'WO-20261126-0002' })));
    const capped = await waitFor(() => outcome('sms', 'capped'), 'second SMS capped');
    expect(capped.reason).toMatch(/daily cap of 1/);
    expect(sms.requests).toHaveLength(1);
  });

  it('SMS system errors are retried; a wrong secret is refused by the stand-in and not retried', async () => {
    sms.script('isp.SYSTEM_ERROR');
    const a = start({ routes: { opened: ['sms'] }, sms: { minIntervalMs: 0, retry: { initialMs: 200 } } });
    a.handle(changeOf('opened'));
    await waitFor(() => outcome('sms', 'sent'), 'SMS sent after a system error');
    expect(sms.requests.map((r) => r.code)).toEqual(['isp.SYSTEM_ERROR', 'OK']);
    expect(new Set(sms.requests.map((r) => r.params.SignatureNonce)).size).toBe(2);
    a.stop();

    const b = start({ routes: { opened: ['sms'] } }, { secret: 'wrong-secret' });
    b.handle(changeOf('opened', codTicket({ id: 'WO-20261126-0009' })));
    const failed = await waitFor(() => outcome('sms', 'failed'), 'SMS refused');
    expect(failed.code).toBe('SignatureDoesNotMatch');
    await waitFor(() => b.counters().pending === 0, 'the queue empty after the refusal');
    expect(sms.requests).toHaveLength(3);
    expect(sms.violations.map((v) => v.code)).toEqual(['SignatureDoesNotMatch']);
  });

  it('a full queue drops the oldest low-priority alert first and counts it', async () => {
    const a = start({ routes: { opened: ['wecom'] }, wecom: { maxQueued: 3, rateLimitBackoffMs: 60_000 }, faults: { enabled: false } });
    wecom.script({ errcode: 130101 });
    a.handle(changeOf('opened', codTicket({ id: 'WO-20261126-0001' })));
    await waitFor(() => a.counters().rateLimited === 1, 'robot paused by 130101');
    const low = (n: number) => codTicket({ id: `WO-20261126-010${n}`, category: 'instrument', rule: 'instrument', limit: undefined });
    for (const n of [1, 2, 3]) a.handle(changeOf('opened', low(n)));
    a.handle(changeOf('opened', codTicket({ id: 'WO-20261126-0002', site: 'WP-02', enterprise: 'E-02' })));
    const dropped = outcomes.filter((o) => o.status === 'dropped').flatMap((o) => o.alerts.map((x) => x.ticketId));
    expect(dropped).toEqual(['WO-20261126-0101', 'WO-20261126-0102']);
    expect(a.counters()).toMatchObject({ dropped: 2, pending: 3 });
  });
});
