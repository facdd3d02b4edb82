import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulators, type ParkSimulators } from '../../simulators/index.js';
import { startBroker } from '../helpers/broker.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.js';
import { freePort } from '../helpers/influxd.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { fastPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../helpers/wecomStandIn.js';

const S = 1000;
const ROBOT_KEY = 'park-robot-kill9-key';
/** how long the robot is down: 2 minutes, as in the field (ALERTS_E2E_DOWN_MS shortens it for a quick local run); the gateway is killed and restarted in it */
const DOWN_MS = Number(process.env.ALERTS_E2E_DOWN_MS ?? 120 * S);
const SITES = ['WP-01', 'WP-02', 'WP-03'];

interface Row {
  seq: number;
  ticket: string;
  id: string;
  status: string;
  /** a new or recurring pollution problem: sent before low-priority ones (processor/alerts/queue.ts byPriority) */
  high: number;
}

describe('alerts survive kill -9 while the WeCom robot is down', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let sims: ParkSimulators;
  let wecom: WecomStandIn;
  let dir: string;
  let env: Record<string, string>;
  const gateways: GatewayProcess[] = [];

  /** the WeCom alerts in the gateway's outbox (park.db), in the order they were recorded */
  const rows = (): Row[] => {
    const db = new Database(join(dir, 'park.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(`SELECT seq, ticket, id, status, json_extract(alert, '$.high') AS high FROM alert_outbox WHERE channel = 'wecom' ORDER BY seq`).all() as Row[];
    } catch {
      return []; // not created yet
    } finally {
      db.close();
    }
  };
  /** ticket ids in the order the robot accepted them (a summary message lists several) */
  const delivered = () => wecom.accepted.flatMap((r) => [...(r.content ?? '').matchAll(/WO-\d{8}-\d{4}/g)].map((m) => m[0]));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'park-alerts-kill9-'));
    influx = await startInflux();
    broker = await startBroker();
    wecom = await startWecomStandIn({ keys: [ROBOT_KEY] });
    const registry = fastPark((r) => {
      r.rules = r.rules.map((rule) => (rule.type === 'exceedance' && rule.id === 'wp-cod' ? { ...rule, durationMs: 3 * S } : rule));
      for (const s of r.sites) delete s.interlock;
      r.alerts.wecom = { ...r.alerts.wecom, baseUrl: wecom.baseUrl, minIntervalMs: 500, retry: { initialMs: 500, maxMs: 3 * S, attempts: 2 } };
    });
    sims = await startSimulators(registry, { mqttUrl: broker.url, mqttIntervalMs: 1000 });
    writeFileSync(join(dir, 'park.yaml'), stringify(sims.registry));
    env = {
      PARK_CONFIG: join(dir, 'park.yaml'), INFLUX_URL: influx.url, INFLUX_DATABASE: influx.database, MQTT_URL: broker.url, HTTP_PORT: String(await freePort()),
      DATA_DIR: dir, PARK_ADMIN_TOKEN: `alerts-kill9-${process.pid}-admin-token`, WECOM_KEY: ROBOT_KEY,
    };
  }, 120_000);

  afterAll(async () => {
    for (const g of gateways) await g.kill9();
    await sims?.close();
    await broker?.close();
    await influx?.close();
    await wecom?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every alert after the robot recovers, in order (high priority first, then as recorded), none twice', async () => {
    gateways.push(await startGatewayProcess(env));
    const downSince = Date.now();
    wecom.downFor(DOWN_MS);
    // three COD exceedances, one after the other: three tickets, three alerts recorded in that order
    for (const [i, site] of SITES.entries()) {
      sims.signals.set(site, 'w01018', 700);
      await waitFor(() => rows().filter((r) => r.id.includes('|opened|')).length > i, `the alert of ${site}'s ticket recorded`, 60 * S);
    }
    await waitFor(() => wecom.requests.length >= 2, 'requests refused by the robot that is down', 30 * S);
    await gateways[0]!.kill9();
    expect(Date.now() - downSince).toBeLessThan(DOWN_MS); // killed while the robot was down
    const recorded = rows();
    expect(recorded.length).toBeGreaterThanOrEqual(SITES.length);
    expect(recorded.every((r) => r.status === 'pending')).toBe(true);
    expect(wecom.accepted).toEqual([]);

    gateways.push(await startGatewayProcess(env));
    await waitFor(() => rows().every((r) => r.status === 'sent') && delivered().length >= recorded.length, 'every alert sent after the recovery', DOWN_MS + 60 * S);
    const all = rows();
    // in order: high priority first (as always), each priority in the order recorded
    const inOrder = [...all.filter((r) => r.high), ...all.filter((r) => !r.high)];
    expect(delivered()).toEqual(inOrder.map((r) => r.ticket));
    expect(all.filter((r) => r.high).length).toBeGreaterThanOrEqual(SITES.length);
    // none delivered while the robot was down, none lost: those recorded before the kill are among them, first
    expect(all.slice(0, recorded.length).map((r) => r.id)).toEqual(recorded.map((r) => r.id));
    expect(wecom.accepted.every((r) => r.at >= downSince + DOWN_MS)).toBe(true);
    expect(wecom.violations).toEqual([]);
    // none twice: one outbox row per alert id, and each ticket named by the robot exactly as often as it has alerts
    // (a ticket may have several: opened, then an escalation step or a recurrence)
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const count = (xs: readonly string[]) => xs.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<string, number>());
    expect(count(delivered())).toEqual(count(all.map((r) => r.ticket)));

    // none twice across a clean stop and another start either: what was sent is not sent again; the robot gets
    // only alerts recorded since, each once
    const before = delivered();
    await gateways[1]!.stop();
    gateways.push(await startGatewayProcess(env));
    await gateways[2]!.stop();
    const final = rows();
    expect(final.slice(0, all.length).map((r) => [r.id, r.status])).toEqual(all.map((r) => [r.id, 'sent']));
    expect(delivered().slice(0, before.length)).toEqual(before);
    expect(delivered()).toHaveLength(final.filter((r) => r.status === 'sent').length);
    expect(wecom.violations).toEqual([]);
  }, DOWN_MS + 240 * S);
});
