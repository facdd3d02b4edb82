import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createAlerts, sqliteAlertOutbox, type Alerts } from '../../processor/alerts/index.js';
import { createPatrol, patrolDelivery, type Patrol } from '../../processor/patrol/index.js';
import { createSqliteStore, type SqliteStore } from '../../processor/tickets/sqlite.js';
import { silentLog, tempDb } from '../../processor/tickets/testing/fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { startWecomStandIn, type WecomRequest, type WecomStandIn } from '../helpers/wecomStandIn.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
// 16:20 Asia/Shanghai: the sheet P-20261127-1630 is made at 16:30, its sign-off due at 18:30
const BASE = Date.parse('2026-11-27T16:20:00+08:00');
const SHEET = 'P-20261127-1630';
const KEY = 'patrol-digest-robot';
const PUBLIC_URL = 'https://park.example.cn';

let wecom: WecomStandIn;
let tmp: ReturnType<typeof tempDb>;
let registry: Registry;

beforeAll(async () => {
  // a robot allowing 60 a minute: the rate window is the process's, so a restart could otherwise meet 130101 (tested in alerts)
  wecom = await startWecomStandIn({ keys: [KEY], limit: { max: 60, windowMs: 60_000 } });
  tmp = tempDb('patrol-digests-');
  const base = loadRegistry();
  registry = {
    ...base,
    officers: base.officers.map((o) => (o.id === 'OF-01' ? { ...o, wecomUserId: 'wangqing' } : o)),
    patrol: { ...base.patrol, chief: { name: '陈科长', mobile: '13800001199' } },
    alerts: { ...base.alerts, wecom: { ...base.alerts.wecom, baseUrl: wecom.baseUrl, rateLimit: { max: 60, windowMs: 60_000 }, minIntervalMs: 20, retry: { initialMs: 20_000, maxMs: 20_000, attempts: 3 } } },
  };
});
afterAll(async () => {
  await wecom?.close();
  tmp?.remove();
});

/** the gateway's parts around park.db, as gateway/app.ts wires them: outbox, alerts, patrol (in virtual time from `at`) */
function startRig(at: number) {
  const db: SqliteStore = createSqliteStore({ file: tmp.file });
  db.start();
  const alerts: Alerts = createAlerts({ config: registry.alerts, outbox: sqliteAlertOutbox(db.db), secrets: { wecomKey: KEY }, registry, log: silentLog });
  const clock = new VirtualTimeScheduler(VirtualAction, 0);
  const delivery = patrolDelivery(alerts, registry, PUBLIC_URL);
  const patrol: Patrol = createPatrol({ registry, db: db.db, tickets: db.tickets, query: async (statements) => statements.map(() => []), log: silentLog, scheduler: clock, now: () => at + clock.now(), ...delivery });
  patrol.start();
  /** runs the patrol's clock to `at + ms` */
  const advance = (ms: number) => {
    clock.maxFrames = ms;
    clock.flush();
  };
  const stop = () => {
    patrol.stop();
    alerts.stop();
    db.stop();
  };
  return { db, alerts, patrol, delivery, advance, stop };
}

/** what a message is: `officer OF-01`, `group`, `chief OF-02` */
function whatIs(r: WecomRequest): string {
  const c = r.content ?? '';
  const officer = registry.officers.find((o) => c.startsWith(`### 巡查表 ${SHEET} ${o.name}`));
  if (officer) return `officer ${officer.id}`;
  if (c.startsWith('### 湖北某经济开发区 巡查汇总')) return 'group';
  const chief = /^【巡查未签收】.+（(OF-\d+)）/.exec(c);
  return chief ? `chief ${chief[1]}` : `other: ${c.slice(0, 40)}`;
}
const tally = (rs: readonly WecomRequest[]) => rs.map(whatIs).reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());

describe('patrol digests and the chief\'s alert through the durable alert outbox (WeCom stand-in)', () => {
  it('delivers every officer digest, the group summary and the chief alert exactly once, across restarts', async () => {
    // ── first run: the sheet is made at 16:30; its digests go out
    let rig = startRig(BASE);
    rig.advance(15 * MIN);
    const sheet = await waitFor(() => rig.patrol.store.get(SHEET), 'the sheet');
    const officers = sheet.officers.map((p) => p.officer);
    expect(officers.length).toBeGreaterThan(1);
    await waitFor(() => wecom.accepted.length === officers.length + 1, 'the digests');
    const digests = wecom.accepted.slice();
    expect(digests.every((r) => (r.body as { msgtype: string }).msgtype === 'markdown')).toBe(true);
    const mine = digests.find((r) => whatIs(r) === 'officer OF-01')!;
    expect(mine.content).toContain('<@wangqing>');
    expect(mine.content).toContain(`(${PUBLIC_URL}/patrol/${SHEET})`);
    expect(digests.find((r) => whatIs(r) === 'group')!.content).toContain('**各包联干部**');

    // OF-01 signs; the robot goes down before the due time: the chief's alerts wait in the outbox (the retry is
    // 20 s away: no request is in flight at the stop, which the robot could take after it is back)
    rig.patrol.store.signOff({ sheet: SHEET, officer: 'OF-01', by: 'OF-01', at: BASE + HOUR, remarks: {} });
    wecom.downFor(10 * MIN);
    rig.advance(15 * MIN + 2 * HOUR);
    const late = officers.filter((o) => o !== 'OF-01');
    await waitFor(() => wecom.requests.filter((r) => 'http' in r.answer && whatIs(r).startsWith('chief')).length >= 1, 'a refused chief alert');
    expect(rig.alerts.counters().pending).toBe(late.length);
    rig.stop();

    // ── restart on the same park.db with the robot back: the waiting alerts go out, nothing is made or sent twice
    wecom.downFor(0);
    rig = startRig(BASE + 10 + 15 * MIN + 2 * HOUR);
    // the same sheet handed over again (made again after a restart) and the same lapse: recorded already
    rig.delivery.onSheet(rig.patrol.store.get(SHEET)!);
    for (const officer of late) rig.delivery.onOverdue({ key: `patrol:${SHEET}|${officer}|overdue`, kind: 'patrol-overdue', sheet: SHEET, officer, officerName: officer, dueAt: 0, at: 0, text: 'again' });
    await waitFor(() => rig.alerts.counters().pending === 0 && tally(wecom.accepted).size === officers.length + 1 + late.length, 'the chief alerts after the restart');
    expect(rig.alerts.counters().deduplicated).toBe(officers.length + 1 + late.length);
    rig.stop();

    // ── and once more: nothing waits, nothing is sent
    const before = wecom.requests.length;
    rig = startRig(BASE + 20 + 15 * MIN + 2 * HOUR);
    expect(rig.alerts.counters().pending).toBe(0);
    rig.stop();
    expect(wecom.requests.length).toBe(before);

    const counts = tally(wecom.accepted);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries([...officers.map((o) => [`officer ${o}`, 1]), ['group', 1], ...late.map((o) => [`chief ${o}`, 1])]));
    const chief = wecom.accepted.find((r) => whatIs(r) === `chief ${late[0]}`)!;
    expect(chief.mentionedMobiles).toEqual(['13800001199']);
    expect(chief.content).toContain(`详见 ${PUBLIC_URL}/patrol/${SHEET}`);
    expect(wecom.violations).toEqual([]);
  }, 60_000);
});
