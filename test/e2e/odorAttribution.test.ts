import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import type { Attribution } from '../../processor/attribution/index.js';
import type { Ticket, TicketPage } from '../../processor/tickets/types.js';
import { startSimulators, type ParkSimulators } from '../../simulators/index.js';
import { runScenario } from '../../simulators/scenarios/runner.js';
import { scenarios } from '../../simulators/scenarios/index.js';
import { scaleTime } from '../../simulators/timeScale.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { fastPark } from '../helpers/park.js';
import { as, testAccess } from '../helpers/principal.js';
import { waitFor } from '../helpers/wait.js';

// The demo scenario `odor-attribution` on the running park (real influxd, broker, every simulator, the
// gateway), played as the demo plays it: its steps at its own speed, rules scaled to that speed.
describe('demo scenario odor-attribution end to end', () => {
  const scenario = scenarios['odor-attribution']!;
  const speed = scenario.speed ?? 60;
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let sims: ParkSimulators;
  let gw: Gateway;
  let stopScenario = () => {};
  const dataDir = mkdtempSync(join(tmpdir(), 'odor-attribution-'));

  beforeAll(async () => {
    influx = await startInflux();
    broker = await startBroker();
    sims = await startSimulators(fastPark(), { mqttUrl: broker.url, mqttIntervalMs: 1000, speed });
    gw = await startGateway({ registry: scaleTime(sims.registry, speed), mqttUrl: broker.url, influx, httpPort: 0, dataDir, access: testAccess(), hj212Secrets: sims.secrets.hj212 });
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

  const api = async <T>(path: string): Promise<T> => (await (await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, { headers: as('viewer') })).json()) as T;
  /** the station's NH3 odor ticket (whichever rule opened it) with its attribution, read through the HTTP API */
  const attributed = async (site: string) => {
    const page = await api<TicketPage>(`/api/tickets?site=${site}&category=odor&limit=50`);
    for (const s of page.tickets.filter((t) => t.pollutant === 'a21001')) {
      const t = await api<Ticket>(`/api/tickets/${s.id}`);
      const a = t.evidence.find((e) => e.kind === 'attribution')?.data as Attribution | undefined;
      if (a) return { ticket: t, attribution: a };
    }
    return undefined;
  };

  it('the NH3 tickets at AQ-08 and AQ-07 name 绿源生物科技 (E-15), upwind of both, first', async () => {
    const at08 = await waitFor(() => attributed('AQ-08'), 'an attributed NH3 odor ticket at AQ-08', 60_000, 250);
    expect(at08.ticket).toMatchObject({ site: 'AQ-08', category: 'odor', priority: 'normal' });
    const a = at08.attribution;
    expect(a.wind).toMatchObject({ source: 'WS-01' });
    expect(a.wind!.direction).toBeCloseTo(45, 6);
    expect(a.wind!.speed).toBeCloseTo(3, 6);
    expect(a.sector).toMatchObject({ halfWidthDeg: 30, calm: false });
    expect(a.top).toEqual({ enterprise: 'E-15', name: '绿源生物科技' });
    // E-15 lies about 720 m north-east of AQ-08 (registry coordinates), within 5° of the wind's axis
    expect(a.candidates[0]).toMatchObject({ enterprise: 'E-15' });
    expect(a.candidates[0]!.angleDeg).toBeLessThan(5);
    expect(a.candidates[0]!.distanceM).toBeGreaterThan(600);
    expect(a.candidates[0]!.distanceM).toBeLessThan(850);
    expect(a.summary).toContain('绿源生物科技');

    const at07 = await waitFor(() => attributed('AQ-07'), 'an attributed NH3 odor ticket at AQ-07', 60_000, 250);
    const b = at07.attribution;
    expect(b.top?.enterprise).toBe('E-15');
    // AQ-08 was already firing: the two sectors were intersected, and E-15 lies in both
    expect(b.intersecting.map((x) => x.site)).toContain('AQ-08');
    expect(b.candidates[0]!.stations).toEqual(expect.arrayContaining(['AQ-07', 'AQ-08']));

    // the priority is part of the API: shown on each ticket, and a filter
    expect((await api<TicketPage>('/api/tickets?priority=normal&site=AQ-08')).tickets.map((t) => t.id)).toContain(at08.ticket.id);
    expect((await api<TicketPage>('/api/tickets?priority=urgent')).tickets).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${gw.httpPort}/api/tickets?priority=soon`, { headers: as('viewer') })).status).toBe(400);
  });
});
