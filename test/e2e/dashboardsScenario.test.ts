import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { renderedDashboards, type Dashboard, type Panel } from '../integration/dashboardJson.js';
import { startSimulators, type ParkSimulators } from '../../simulators/index.js';
import { runScenario } from '../../simulators/scenarios/runner.js';
import { scenarios } from '../../simulators/scenarios/index.js';
import { scaleTime } from '../../simulators/timeScale.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { fastPark } from '../helpers/park.js';
import { testAccess } from '../helpers/principal.js';
import { waitFor } from '../helpers/wait.js';
import { interpolate } from '../integration/dashboardData.js';

// The demo scenario `odor-attribution` on the running park (real influxd, broker, every simulator, the
// gateway), and the air-fence and overview panels the gateway's state writers feed, queried as Grafana
// queries them: NE wind at 3 m/s, NH3 at AQ-08 downwind of 绿源生物科技 (E-15).
describe('dashboards after a simulated run: odor-attribution', () => {
  const scenario = scenarios['odor-attribution']!;
  const speed = scenario.speed ?? 60;
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let sims: ParkSimulators;
  let gw: Gateway;
  let registry: Registry;
  let boards: Record<string, Dashboard>;
  let stopScenario = () => {};
  const dataDir = mkdtempSync(join(tmpdir(), 'dash-scenario-'));

  beforeAll(async () => {
    influx = await startInflux();
    broker = await startBroker();
    sims = await startSimulators(fastPark(), { mqttUrl: broker.url, mqttIntervalMs: 1000, speed });
    registry = scaleTime(sims.registry, speed);
    boards = renderedDashboards(registry);
    gw = await startGateway({ registry, mqttUrl: broker.url, influx, httpPort: 0, dataDir, access: testAccess(), hj212Secrets: sims.secrets.hj212, dashboardStatePeriodMs: 1000 });
    stopScenario = runScenario(scenario, { signals: sims.signals, registry: sims.registry, clock: sims.clock });
  }, 120_000);
  afterAll(async () => {
    stopScenario();
    await gw?.stop();
    await sims?.close();
    await broker?.close();
    await influx?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const panel = (file: string, title: RegExp): Panel => boards[file]!.panels.find((p) => p.type !== 'row' && title.test(p.title))!;
  const rows = <T>(p: Panel, vars: Record<string, string[]>, i = 0) => influx.query<T>(interpolate(p.targets![i]!.query, vars));
  const NE = '02 NE 东北';

  it('attribution table: AQ-08 names 绿源生物科技 (E-15) first; wind rose: north-east at 2-4 m/s the most frequent; NH3 pollution rose at AQ-08 highest from the north-east', async () => {
    const attribution = panel('air-fence.json', /异味溯源/);
    const top = await waitFor(
      async () => (await rows<{ site: string; rank: string; enterprise: string; name: string }>(attribution, { site: ['AQ-08'] })).find((r) => r.rank === '1'),
      'an attribution row for AQ-08',
      90_000,
      250,
    );
    expect(top).toMatchObject({ site: 'AQ-08', enterprise: 'E-15', name: '绿源生物科技' });

    const wind = await rows<{ sector: string; speed: string; count: number }>(panel('air-fence.json', /风玫瑰/), {});
    const most = wind.reduce((a, b) => (b.count > a.count ? b : a));
    expect([most.sector, most.speed]).toEqual([NE, '2 2-4 m/s']);

    const nh3 = await rows<{ sector: string; mean: number }>(panel('air-fence.json', /污染玫瑰.*\(a21001\)/), { site: ['AQ-08'] });
    const highest = nh3.reduce((a, b) => (b.mean > a.mean ? b : a));
    // the mean over the range: background NH3 before the episode and 2.4 mg/m3 during it, all from the north-east
    expect(highest.sector).toBe(NE);
    expect(highest.mean).toBeGreaterThan(0);
  });

  it('park map: every site at its coordinates; AQ-08 sending, with its open odor ticket as its state', async () => {
    const map = panel('park-overview.json', /园区地图/);
    const aq08 = await waitFor(
      async () => (await rows<{ site: string; state: number; open: number; lat: number; lon: number }>(map, {})).find((r) => r.site === 'AQ-08' && r.open > 0 && r.state > 0 && r.state < 4),
      'AQ-08 on the map with its open ticket',
      30_000,
      250,
    );
    const site = registry.sites.find((s) => s.id === 'AQ-08')!;
    expect([aq08.lat, aq08.lon]).toEqual([site.location.lat, site.location.lon]);
    expect((await rows<{ site: string }>(map, {})).map((r) => r.site).sort()).toEqual(registry.sites.map((s) => s.id).sort());
  });
});
