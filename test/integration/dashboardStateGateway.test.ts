import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRunningGateway, type RunningGateway } from '../helpers/runningGateway.js';
import { loadRegistry } from '../../gateway/registry/loader.js';

const registry = loadRegistry();

describe("the dashboards' state in the running gateway", () => {
  let rg: RunningGateway;

  beforeAll(async () => {
    rg = await startRunningGateway('dash-state');
  }, 120_000);
  afterAll(async () => {
    await rg?.close();
  });

  it('writes site_state (every site at its coordinates; none has sent yet, so each is 停报), ticket_state and gateway_health as it starts', async () => {
    await vi.waitFor(
      async () => {
        const sites = await rg.influx.query<{ site: string; lat: number; lon: number; stale: number }>('SELECT last("lat") AS "lat", last("lon") AS "lon", last("stale") AS "stale" FROM "site_state" GROUP BY "site"');
        expect(sites.map((s) => [s.site, s.lat, s.lon, s.stale]).sort()).toEqual(registry.sites.map((s) => [s.id, s.location.lat, s.location.lon, 1]).sort());
        const tickets = await rg.influx.query<{ open: number; overdue: number }>('SELECT sum("open") AS "open", sum("overdue") AS "overdue" FROM "ticket_state"');
        expect(tickets.map((t) => [t.open, t.overdue])).toEqual([[0, 0]]);
        const health = await rg.influx.query<{ input?: string; devices: number }>('SELECT last("devices") AS "devices" FROM "gateway_health" GROUP BY "input"');
        const devices = (kind?: string) => registry.sites.flatMap((s) => s.devices).filter((d) => kind === undefined || d.kind === kind).length;
        expect(Object.fromEntries(health.map((h) => [h.input ?? '', h.devices]))).toEqual(Object.fromEntries([['', devices()], ...[...new Set(registry.sites.flatMap((s) => s.devices.map((d) => d.kind)))].map((k) => [k, devices(k)])]));
      },
      { timeout: 20_000, interval: 250 },
    );
  });
});
