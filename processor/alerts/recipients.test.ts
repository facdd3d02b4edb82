import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startSmsStandIn, type SmsStandIn } from '../../test/helpers/smsStandIn.js';
import { waitFor } from '../../test/helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../../test/helpers/wecomStandIn.js';
import type { RuleEvent } from '../rules/schema.js';
import { createTicketService } from '../tickets/service.js';
import { createSqliteStore } from '../tickets/sqlite.js';
import { silentLog, tempDb } from '../tickets/testing/fixtures.js';
import { createAlerts } from './dispatcher.js';
import { buildEscalation } from './escalationFormat.js';
import { buildAlert } from './format.js';
import { sqliteAlertOutbox } from './outbox.js';
import { withAckLink } from './recipients.js';
import { ALIYUN_KEYS, changeOf, codTicket, ROBOT_KEY, SIGN_NAME, standInConfig, T, TEMPLATE_CODE, TEMPLATE_VARS } from './testing/fixtures.js';

const registry = loadRegistry();
const cleanups: (() => void | Promise<void>)[] = [];
let wecom: WecomStandIn;
let sms: SmsStandIn;

beforeEach(async () => {
  wecom = await startWecomStandIn({ keys: [ROBOT_KEY] });
  sms = await startSmsStandIn({ accessKeys: { [ALIYUN_KEYS.accessKeyId]: ALIYUN_KEYS.accessKeySecret }, signNames: [SIGN_NAME], templates: { [TEMPLATE_CODE]: TEMPLATE_VARS } });
  cleanups.push(() => wecom.close(), () => sms.close());
});
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

function gateway() {
  const tmp = tempDb('recipients-');
  const store = createSqliteStore({ file: tmp.file });
  store.start();
  const config = standInConfig({ wecom: wecom.baseUrl, sms: sms.url }, { wecom: { minIntervalMs: 0 } });
  const tickets = createTicketService({ store: store.tickets, registry, now: Date.now, log: silentLog });
  const alerts = createAlerts({ config, secrets: { wecomKey: ROBOT_KEY, aliyun: ALIYUN_KEYS }, registry, log: silentLog, outbox: sqliteAlertOutbox(store.db) });
  const sub = tickets.changes$.subscribe((c) => alerts.handle(c));
  cleanups.push(tmp.remove, () => store.stop(), () => tickets.stop(), () => alerts.stop(), () => sub.unsubscribe());
  return { tickets, alerts, store };
}

const device = (site: string, category: 'instrument' | 'no-data'): RuleEvent => ({
  type: 'open', rule: category, ruleType: category, category, site, pollutant: category === 'no-data' ? '*' : 'w01018', ts: Date.now(),
});

describe('instrument faults to the enterprise’s contact and maintenance contractor (运维单位)', () => {
  it('sends an instrument ticket at 明弘集团 (E-01) by SMS to its contact and its maintainer, exactly as SendSms expects; the officer by WeCom only', async () => {
    const g = gateway();
    const t = g.tickets.applyEvent(device('WP-01', 'instrument'))!;
    expect(t.enterprise).toBe('E-01');
    await waitFor(() => sms.sent.length >= 2 && wecom.accepted.length >= 1, 'two SMS and the WeCom message');
    const byNumber = Object.fromEntries(sms.sent.map((r) => [r.phoneNumbers.join(','), r]));
    expect(Object.keys(byNumber).sort()).toEqual(['13900002101', '13900003101']);
    for (const r of Object.values(byNumber)) {
      expect(r.params).toMatchObject({ Action: 'SendSms', SignName: SIGN_NAME, TemplateCode: TEMPLATE_CODE, AccessKeyId: ALIYUN_KEYS.accessKeyId });
      expect(JSON.parse(r.params.TemplateParam!)).toEqual({ site: '明弘集团一企一管排口', pollutant: 'COD', value: '仪器状态异常，请及时检修', ticket: t.id });
    }
    expect(sms.violations).toEqual([]);
    expect(wecom.accepted[0]!.content).toContain('【仪器异常告警】');
    expect(wecom.accepted[0]!.mentionedMobiles).toEqual(['13800001101']);
    const ids = (g.store.db.prepare(`SELECT id FROM alert_outbox ORDER BY seq`).all() as { id: string }[]).map((r) => r.id.split('|').slice(3).join('|'));
    expect(ids).toEqual(['wecom', 'sms|contact', 'sms|maintainer']);
  });

  it('sends nothing extra for an enterprise without contacts, nor for a pollution ticket', async () => {
    const g = gateway();
    g.tickets.applyEvent(device('WP-03', 'no-data'));
    g.tickets.applyEvent({ type: 'open', rule: 'wp-cod', ruleType: 'exceedance', category: 'exceedance', site: 'WP-01', pollutant: 'w01018', ts: Date.now(), value: 650, limit: { max: 500, standard: 'GB 8978-1996' } });
    await waitFor(() => sms.sent.length >= 1 && wecom.accepted.length >= 1, 'the officer’s alerts');
    // the exceedance goes to the officer by SMS; nothing to 13900002101 / 13900003101
    expect(sms.sent.map((r) => r.phoneNumbers.join(','))).toEqual(['13800001101']);
    const rows = g.store.db.prepare(`SELECT id FROM alert_outbox WHERE id LIKE '%|contact' OR id LIKE '%|maintainer'`).all();
    expect(rows).toEqual([]);
  });
});

describe('acknowledgement links on alerts', () => {
  const link = (ticket: string, officer: string, at: number) => `https://park.example/ack/${ticket}.${officer}.${at}`;

  it('adds the officer’s link to alerts that ask the officer to act, at the end of text and line', () => {
    const t = codTicket();
    const opened = withAckLink(buildAlert(changeOf('opened', t), 'opened', registry, T), t, link);
    expect(opened.link).toBe(`https://park.example/ack/${t.id}.OF-01.${T}`);
    expect(opened.text.endsWith(`签收：${opened.link}`)).toBe(true);
    expect(opened.line.endsWith(`签收：${opened.link}`)).toBe(true);
    const reminder = withAckLink(buildEscalation({ ticket: t, step: 0, since: T, dueAt: T + 900_000 }, registry.alerts.escalation, registry, T), t, link);
    expect(reminder.link).toBeDefined();
  });

  it('adds none to notices (closed, cleared), to a copy for the chief, or without PUBLIC_URL', () => {
    const t = codTicket();
    const cleared = withAckLink(buildAlert(changeOf('cleared', t), 'cleared', registry, T), t, link);
    expect(cleared.link).toBeUndefined();
    const chiefStep = buildEscalation({ ticket: t, step: 1, since: T, dueAt: T + 1_800_000 }, { ...registry.alerts.escalation, contacts: { chief: { name: '王科长', mobile: '13900000001' } } }, registry, T);
    expect(withAckLink(chiefStep, t, link).link).toBeUndefined();
    const opened = buildAlert(changeOf('opened', t), 'opened', registry, T);
    expect(withAckLink(opened, t, () => undefined)).toEqual(opened);
    expect(withAckLink(opened, t, undefined)).toEqual(opened);
  });
});
