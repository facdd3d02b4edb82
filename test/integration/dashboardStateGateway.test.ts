import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { CHEAP } from '../../gateway/auth/testing.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

const registry = loadRegistry();

describe("the dashboards' state in the running gateway", () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let gw: Gateway | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-dash-state-'));
    influx = await startInflux();
    broker = await startBroker();
    gw = await startGateway({ registry, mqttUrl: broker.url, influx, httpPort: 0, hj212Port: 0, dataDir, log: pino({ level: 'silent' }), people: { adminToken: 'integration-admin-token-dash-0123456789', hashCost: CHEAP } });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await broker?.close();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes site_state (every site at its coordinates; none has sent yet, so each is 停报), ticket_state and gateway_health as it starts', async () => {
    await vi.waitFor(
      async () => {
        const sites = await influx.query<{ site: string; lat: number; lon: number; stale: number }>('SELECT last("lat") AS "lat", last("lon") AS "lon", last("stale") AS "stale" FROM "site_state" GROUP BY "site"');
        expect(sites.map((s) => [s.site, s.lat, s.lon, s.stale]).sort()).toEqual(registry.sites.map((s) => [s.id, s.location.lat, s.location.lon, 1]).sort());
        const tickets = await influx.query<{ open: number; overdue: number }>('SELECT sum("open") AS "open", sum("overdue") AS "overdue" FROM "ticket_state"');
        expect(tickets.map((t) => [t.open, t.overdue])).toEqual([[0, 0]]);
        const health = await influx.query<{ input?: string; devices: number }>('SELECT last("devices") AS "devices" FROM "gateway_health" GROUP BY "input"');
        const devices = (kind?: string) => registry.sites.flatMap((s) => s.devices).filter((d) => kind === undefined || d.kind === kind).length;
        expect(Object.fromEntries(health.map((h) => [h.input ?? '', h.devices]))).toEqual(Object.fromEntries([['', devices()], ...[...new Set(registry.sites.flatMap((s) => s.devices.map((d) => d.kind)))].map((k) => [k, devices(k)])]));
      },
      { timeout: 20_000, interval: 250 },
    );
  });
});
