import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Ticket, TicketPage } from '../../processor/tickets/types.js';
import { startSimulators, type ParkSimulators } from '../../simulators/index.js';
import { scenarios } from '../../simulators/scenarios/index.js';
import { scaleTime } from '../../simulators/timeScale.js';
import { startBroker } from './broker.js';
import { startInflux, type RunningInflux } from './influx.js';
import { as, testAccess, type Person, type TestAccess } from './principal.js';
import { startWecomStandIn, type WecomStandIn } from './wecomStandIn.js';

/**
 * The default park with fast polling (Modbus 500 ms, MQTT 1 s) and fast analysers (the pipe stations'
 * COD, NH3-N, TP, TN measure every 2 s instead of every 30-60 min), optionally edited.
 */
export function fastPark(edit: (r: Registry) => void = () => {}): Registry {
  const r = structuredClone(loadRegistry());
  for (const s of r.sites) for (const d of s.devices) d.intervalMs = d.kind === 'modbus' ? 500 : 1000;
  for (const m of Object.values(r.inputs.modbus.maps)) for (const c of m.channels) if (c.cycleMs !== undefined) c.cycleMs = 2000;
  edit(r);
  return r;
}

export interface RunningPark {
  influx: RunningInflux;
  sims: ParkSimulators;
  gw: Gateway;
  dataDir: string;
  /** the WeCom group-robot stand-in the park's alerts go to */
  wecom: WecomStandIn;
  /** the gateway's access control (test principals) and its audit log */
  access: TestAccess;
  /** an API request, by default as 王青 acting as section chief (test/helpers/principal.ts) */
  api<T>(path: string, init?: { method?: string; body?: unknown; as?: Person }): Promise<{ status: number; body: T }>;
  tickets(query?: string): Promise<Ticket[]>;
  close(): Promise<void>;
}

/**
 * Real influxd, real aedes broker, every simulator, the gateway with its rules, tickets, HTTP API and alerts
 * (to a WeCom stand-in). With `scenario`, the simulators play it at `speed` (default its own) and the
 * gateway's rule durations are scaled like the demo's (simulators/timeScale.ts).
 */
export async function startPark(input: Registry, opts: { scenario?: string; speed?: number } = {}): Promise<RunningPark> {
  const dataDir = mkdtempSync(join(tmpdir(), 'park-'));
  const wecom = await startWecomStandIn({ keys: ['test-robot'] });
  const registry = structuredClone(input);
  registry.alerts.wecom = { ...registry.alerts.wecom, baseUrl: wecom.baseUrl };
  const influx = await startInflux();
  const broker = await startBroker();
  const speed = opts.scenario ? (opts.speed ?? scenarios[opts.scenario]?.speed ?? 1) : 1;
  const sims = await startSimulators(registry, { mqttUrl: broker.url, mqttIntervalMs: 1000, ...(opts.scenario ? { scenario: opts.scenario, speed } : {}) });
  const access = testAccess();
  const gw = await startGateway({ registry: scaleTime(sims.registry, speed), mqttUrl: broker.url, influx, httpPort: 0, dataDir, alertSecrets: { wecomKey: 'test-robot' }, access, hj212Secrets: sims.secrets.hj212 });
  const api = async <T>(path: string, init: { method?: string; body?: unknown; as?: Person } = {}) => {
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...as(init.as ?? 'chiefOfficer'), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  return {
    influx,
    sims,
    gw,
    dataDir,
    wecom,
    access,
    api,
    async tickets(query = '') {
      const page = (await api<TicketPage>(`/api/tickets?limit=500${query ? '&' + query : ''}`)).body;
      return Promise.all(page.tickets.map(async (t) => (await api<Ticket>(`/api/tickets/${t.id}`)).body));
    },
    async close() {
      await gw.stop();
      await sims.close();
      await broker.close();
      await influx.close();
      await wecom.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
