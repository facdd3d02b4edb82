import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { startSimulators, type ParkSimulators } from '../../simulators/index.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { fastPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';
import { describeOnline, onlineByKind } from '../../simulators/onlineByKind.js';

/** channels each site must report: a device's map channels (Modbus) or its configured channels (MQTT) */
function expectedSeries(r: Registry): string[] {
  return r.sites.flatMap((s) =>
    s.devices.flatMap((d) => (d.kind !== 'modbus' ? d.channels : r.inputs.modbus.maps[d.map]!.channels.map((c) => c.pollutant)).map((p) => `${s.id}/${p}`)),
  );
}

describe('end to end: simulators → gateway → processor → InfluxDB', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let sims: ParkSimulators;
  let gw: Gateway;
  let dataDir: string;
  const registry = fastPark();

  // Spot checks across every register layout and transport: value set in the simulator → value stored.
  const spots: [site: string, code: string, set: number, stored: number][] = [
    ['RO-01', 'w01018', 23.4567, Math.fround(23.4567)], // ro-station-a: float32 ABCD, TCP
    ['RO-02', 'w01001', 7.23, 7.23], // ro-station-b: uint16 × 0.01
    ['RO-02', 'w01014', 456.7, 456.7], // ro-station-b: uint32 CDAB × 0.1
    ['RO-04', 'w99001', 0.125, 0.125], // ro-station-b: int16 × 0.001
    ['WP-01', 'w01018', 321.5, 321.5], // wp-pipe-a: float32 ABCD on a TCP pipe rack
    ['WP-01', 'w01001', 7.45, 7.45], // wp-pipe-a: int16 × 0.01
    ['WP-02', 'w01018', 345.6, 345.6], // wp-pipe-b: uint16 × 0.1
    ['WP-02', 'w21003', 12.34, 12.34], // wp-pipe-b: uint16 BADC × 0.01
    ['WP-02', 'w21011', 4.321, Math.fround(4.321)], // wp-pipe-b: float32 DCBA
    ['WP-36', 'w21003', 12.5, 12.5], // wp-pipe-c: float32 BADC on the RS-485 RTU line
    ['WP-31', 'w01018', 321.5, 321.5], // HJ 212-2017 data logger over TCP (2011 -Rtd)
    ['AQ-03', 'a21028', 0.031, 0.031], // MQTT
    ['WS-01', 'a01008', 247, 247], // MQTT
  ];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-e2e-'));
    influx = await startInflux();
    broker = await startBroker();
    sims = await startSimulators(registry, { mqttUrl: broker.url, mqttIntervalMs: 1000 });
    for (const [site, code, value] of spots) sims.signals.set(site, code, value);
    gw = await startGateway({ registry: sims.registry, mqttUrl: broker.url, influx, httpPort: 0, dataDir, hj212Secrets: sims.secrets.hj212 });
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await sims?.close();
    await broker?.close();
    await influx?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every channel of every site in the registry', async () => {
    const want = expectedSeries(registry);
    let missing: string[] = want;
    await waitFor(async () => {
      const rows = await influx.query<{ site: string; pollutant: string }>('SELECT last(value) FROM /.*/ GROUP BY site, pollutant');
      const have = new Set(rows.map((r) => `${r.site}/${r.pollutant}`));
      missing = want.filter((k) => !have.has(k));
      return missing.length === 0;
    }, 'every site and channel in InfluxDB', 60_000).catch(() => undefined);
    expect(missing).toEqual([]);
    // rain outlets: 6 quality/flow channels and the gate state; pipes: 33 Modbus stations with the valve state, 5 HJ 212 loggers (WP-30..34) without;
    // + the characteristic-pollutant analysers: 华瑞电镀 heavy metals (3), 鑫源印染 dyeing (4)
    expect(want.length).toBe(9 * 7 + 33 * 8 + 5 * 7 + 9 * 4 + 5 + 3 + 4);
  });

  it('stores the values the simulators served, scaled and byte-ordered', async () => {
    // the readings' measurements (one per site kind), not the dashboards' derived ones (rose, site_state)
    for (const [site, code, , stored] of spots) {
      const rows = await influx.query<{ last: number; flag?: string }>(`SELECT last(value) FROM /^(rain_outlet|wastewater_pipe|air_fence|weather)$/ WHERE site = '${site}' AND pollutant = '${code}'`);
      expect(rows, `${site}/${code}`).toHaveLength(1);
      expect(rows[0]!.last, `${site}/${code}`).toBeCloseTo(stored, 6);
    }
  });

  it('tags points by site kind, enterprise and flag, and answers /healthz', async () => {
    const rows = await influx.query<{ enterprise: string; flag: string; value: number }>(`SELECT value, flag, enterprise FROM wastewater_pipe WHERE site = 'WP-01' LIMIT 1`);
    expect(rows[0]).toMatchObject({ enterprise: '明弘集团', flag: 'N' });
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; devices: { online: number } };
    expect(body.status).toBe('ok');
    expect(body.devices.online).toBe(59); // 57 sites' devices + 2 characteristic-pollutant analysers (WP-10-DY, WP-13-HM)
    expect(gw.status().rejected, JSON.stringify(gw.processor.counters.rejected)).toBe(0);
  });

  it('has the HJ 212 data loggers online beside the Modbus and MQTT devices (as the demo reports them)', async () => {
    const byKind = await waitFor(() => {
      const k = onlineByKind(sims.registry, gw.health);
      return k.hj212.online === 5 && k.modbus.online === k.modbus.total && k.mqtt.online === k.mqtt.total && k;
    }, 'every device of every kind online', 30_000);
    expect(byKind).toEqual({ modbus: { online: 42, total: 42 }, mqtt: { online: 12, total: 12 }, hj212: { online: 5, total: 5 } });
    expect(describeOnline(byKind)).toBe('modbus 42/42 · mqtt 12/12 · HJ 212 loggers 5/5 online');
    expect(gw.deadLetters.counts()).toEqual({});
  });
});
