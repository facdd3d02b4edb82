import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { createLogger } from '../../gateway/log.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { HEARTBEAT_KEY } from '../../processor/rules/downtime.js';
import { startSimulators, type ParkSimulators } from '../../simulators/index.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { fastPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;
const MIN = 60 * S;
const DEVICES = ['WP-01-M', 'WP-02-M', 'WP-03-M', 'AQ-01-V'];
/** every device polled / publishing each second; silent after 5 missed intervals */
const TIMEOUT = 5 * S;

/**
 * The real gateway (startGateway: inputs, processor, rule engine, tickets in <dataDir>/park.db) against
 * the simulators, stopped and started again on the same data directory. The 10 minutes of downtime are
 * not slept: after the stop, every time the engine stored (its heartbeat and each no-data watch's last
 * reading) is moved 10 minutes back in park.db, which is the data directory a stop 10 minutes earlier
 * would have left. The devices' own clocks and readings are real.
 */
describe('gateway downtime is not counted against the devices', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let sims: ParkSimulators;
  let dir: string;
  let gw: Gateway | undefined;

  const start = () => startGateway({ registry: sims.registry, mqttUrl: broker.url, influx, httpPort: 0, dataDir: dir, log: createLogger('test', 'silent'), hj212Secrets: sims.secrets.hj212 });
  const noDataTickets = () => gw!.tickets.list({ category: 'no-data', limit: 500 }).tickets;
  const stored = () => {
    const db = new Database(join(dir, 'park.db'), { fileMustExist: true });
    try {
      return new Map(db.prepare<[], { key: string; state: string }>('SELECT key, state FROM rule_state').all().map((r) => [r.key, JSON.parse(r.state) as Record<string, unknown>]));
    } finally {
      db.close();
    }
  };
  /** what a stop `ms` earlier would have left: every stored time of the no-data watches and the heartbeat moved back */
  const stoppedEarlier = (ms: number) => {
    const db = new Database(join(dir, 'park.db'), { fileMustExist: true });
    try {
      const rows = db.prepare<[string], { key: string; state: string }>("SELECT key, state FROM rule_state WHERE key LIKE 'no-data|%' OR key = ?").all(HEARTBEAT_KEY);
      const save = db.prepare('UPDATE rule_state SET state = ? WHERE key = ?');
      for (const r of rows) {
        const s = JSON.parse(r.state) as { last?: number; at?: number };
        if (s.last !== undefined) s.last -= ms;
        if (s.at !== undefined) s.at -= ms;
        save.run(JSON.stringify(s), r.key);
      }
      return rows.length;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'park-downtime-'));
    influx = await startInflux();
    broker = await startBroker();
    const registry: Registry = fastPark((r) => {
      r.sites = r.sites.filter((s) => s.devices.some((d) => DEVICES.includes(d.id)));
      for (const s of r.sites) for (const d of s.devices) d.intervalMs = S;
      r.rules = r.rules.filter((x) => x.type === 'no-data').map((x) => ({ ...x, missedIntervals: TIMEOUT / S }));
    });
    sims = await startSimulators(registry, { mqttUrl: broker.url, mqttIntervalMs: S });
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await sims?.close();
    await broker?.close();
    await influx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after 10 minutes down: no no-data ticket for devices that report normally; a device that stays silent gets its ticket after its timeout', async () => {
    gw = await start();
    // every device has reported and its watch is on disk with the engine's heartbeat
    await waitFor(() => {
      const s = stored();
      return s.has(HEARTBEAT_KEY) && DEVICES.every((d) => s.has(`no-data|no-data|${d}`));
    }, 'the no-data watches of every device and the heartbeat in park.db', 30 * S);
    await gw.stop();
    gw = undefined;
    expect(stoppedEarlier(10 * MIN)).toBeGreaterThanOrEqual(DEVICES.length + 1);

    // while the gateway is down, WP-03's station stops answering; the others go on
    sims.signals.setSilent('WP-03-M', true);
    const restartedAt = Date.now();
    gw = await start();
    const silent = await waitFor(() => noDataTickets().find((t) => t.pollutant === '*'), 'the no-data ticket of the silent station', 30 * S);
    expect(silent).toMatchObject({ site: 'WP-03', pollutant: '*', rule: 'no-data', status: 'open' });
    // its timeout counted from the restart (less the second it had been silent before the stop), not from 10 minutes ago
    expect(silent.openedAt - restartedAt).toBeGreaterThanOrEqual(TIMEOUT - 2 * S);
    // and it names the station's last value, before the 10 minutes down, as the start of the silence
    expect(silent.firstSeen).toBeLessThan(restartedAt - 9 * MIN);
    // the devices that report normally after the restart have no ticket (watches that counted the downtime
    // would have fired at start, before this one)
    await waitFor(() => gw!.health.summary().online >= DEVICES.length - 1, 'the other devices reporting after the restart', 30 * S);
    expect(noDataTickets().filter((t) => t.site !== 'WP-03')).toEqual([]);
  });
});
