import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startWecomStandIn, type WecomStandIn } from '../../test/helpers/wecomStandIn.js';
import { waitFor } from '../../test/helpers/wait.js';
import { migrate } from '../tickets/migrations.js';
import { createAlerts } from './dispatcher.js';
import type { Notice } from './notice.js';
import { sqliteAlertOutbox } from './outbox.js';
import { changeOf, codTicket } from './testing/fixtures.js';

const base = loadRegistry();
const KEY = 'notice-robot';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function rig() {
  const wecom: WecomStandIn = await startWecomStandIn({ keys: [KEY] });
  const db = new Database(':memory:');
  migrate(db);
  const registry = { ...base, alerts: { ...base.alerts, wecom: { ...base.alerts.wecom, baseUrl: wecom.baseUrl, minIntervalMs: 200 } } };
  const outbox = sqliteAlertOutbox(db);
  const alerts = createAlerts({ config: registry.alerts, registry, outbox, secrets: { wecomKey: KEY }, log: pino({ level: 'silent' }) });
  cleanups.push(() => wecom.close(), () => db.close(), () => alerts.stop());
  return { wecom, db, alerts, outbox };
}

const digest: Notice = { id: 'P-20261127-1630|OF-01|digest', kind: 'patrol-digest', ref: 'P-20261127-1630', message: { msgtype: 'markdown', markdown: { content: '### 巡查表 P-20261127-1630 王青 <@wangqing>\n>时段：08:30 至 16:30' } }, line: '巡查表 王青' };

describe('notices: prepared WeCom messages through the outbox', () => {
  it('sends a notice alone and as prepared, while ticket alerts arriving meanwhile are packed among themselves', async () => {
    const { wecom, alerts, db } = await rig();
    expect(alerts.notify(digest)).toBe(true);
    // three ticket openings while the robot waits its minimum interval: one summary of the three, without the notice
    for (const n of [1, 2, 3]) alerts.handle(changeOf('opened', codTicket({ id: `WO-20261126-000${n}`, site: 'WP-0' + n })));
    const notice2: Notice = { ...digest, id: 'P-20261127-1630|group|digest', message: { msgtype: 'markdown', markdown: { content: '### 巡查汇总' } } };
    expect(alerts.notify(notice2)).toBe(true);
    await waitFor(() => alerts.counters().pending === 0 && wecom.accepted.length >= 3, 'everything sent');
    const bodies = wecom.accepted.map((r) => r.body);
    expect(bodies).toContainEqual(digest.message);
    expect(bodies).toContainEqual(notice2.message);
    const others = wecom.accepted.filter((r) => (r.body as { msgtype: string }).msgtype === 'text');
    // all were queued before the robot's first turn: the three openings (high) went first, as one summary
    expect(others).toHaveLength(1);
    expect(others[0]!.content).toContain('【告警汇总】共 3 条');
    expect(wecom.accepted).toHaveLength(3);
    expect(others.map((r) => r.content).join('\n')).not.toContain('巡查');
    expect(others.map((r) => r.content ?? '').join('\n').match(/WO-20261126-000\d/g)?.sort()).toEqual(['WO-20261126-0001', 'WO-20261126-0002', 'WO-20261126-0003']);
    // recorded with its own id and settled sent
    expect(db.prepare("SELECT id, ticket, status FROM alert_outbox WHERE id LIKE 'P-%' ORDER BY seq").all()).toEqual([
      { id: digest.id, ticket: 'P-20261127-1630', status: 'sent' },
      { id: notice2.id, ticket: 'P-20261127-1630', status: 'sent' },
    ]);
    expect(wecom.violations).toEqual([]);
  });

  it('records a notice once per id: the same id again is not sent again; without the robot key it is skipped', async () => {
    const { wecom, alerts } = await rig();
    expect(alerts.notify(digest)).toBe(true);
    expect(alerts.notify({ ...digest, message: { msgtype: 'markdown', markdown: { content: 'other' } } })).toBe(false);
    await waitFor(() => alerts.counters().pending === 0 && wecom.accepted.length === 1, 'the notice');
    expect(alerts.counters()).toMatchObject({ sent: 1, deduplicated: 1 });
    expect(wecom.accepted[0]!.body).toEqual(digest.message);

    const keyless = createAlerts({ config: base.alerts, registry: base, secrets: {}, log: pino({ level: 'silent' }) });
    cleanups.push(() => keyless.stop());
    expect(keyless.notify(digest)).toBe(false);
    expect(keyless.counters().skipped).toBe(1);
  });
});
