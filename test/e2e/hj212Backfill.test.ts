import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { createLogger } from '../../gateway/log.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Hj212Device, Registry } from '../../gateway/registry/schema.js';
import { freePort } from '../../simulators/hj212/index.js';
import { Hj212LoggerSim } from '../../simulators/hj212/logger.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { waitFor } from '../helpers/wait.js';
import { hashSecret } from '../../gateway/secrets/index.js';

const HOUR = 3_600_000;
const STEP = 30_000; // the logger's real-time interval (RtdInterval 30 s)
// three clock hours (UTC+8 and UTC agree on hour boundaries) ending at least an hour ago
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
/** COD 100 mg/L in the first hour, 110 in the second, 120 in the third; flow 2 L/s throughout */
const value = (code: string, at: number) => (code === 'w00000' ? 2 : code === 'w01018' ? 100 + 10 * Math.floor((at - T0) / HOUR) : code === 'w01001' ? 7.2 : 5);

describe('HJ 212 back-fill (补传): a logger offline for 2 simulated hours', () => {
  let influx: RunningInflux;
  let gw: Gateway;
  let sim: Hj212LoggerSim;
  let dataDir: string;
  let clock = T0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hj212-backfill-'));
    influx = await startInflux();
    const registry: Registry = structuredClone(loadRegistry());
    registry.sites = registry.sites.filter((s) => s.id === 'WP-31');
    registry.inputs.hj212.port = await freePort();
    // a re-opened window is judged 1 s after its last late reading instead of 5 min
    registry.lateness.graceMs = 1000;
    const device = registry.sites[0]!.devices[0] as Hj212Device;
    // the logger's PW, and its hash as the secrets file holds it (cheap cost: a test)
    const pw = 'wp31-logger-pw';
    const hj212Secrets = { loggers: { [device.mn]: hashSecret(pw, { ln: 4, r: 8, p: 1 }) }, upstreams: {} };
    gw = await startGateway({ registry, mqttUrl: 'mqtt://127.0.0.1:1', influx, httpPort: 0, dataDir, log: createLogger('hj212-backfill', 'silent'), hj212Secrets });
    sim = new Hj212LoggerSim({ host: '127.0.0.1', port: registry.inputs.hj212.port, mn: device.mn, pw, channels: device.channels, value, now: () => clock, intervalMs: STEP, ackTimeoutMs: 5000 });
    sim.start();
    await waitFor(() => sim.online, 'the logger connected');
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    await gw?.stop();
    await influx?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for the missing span once the logger is back; the readings land in their own hours, in InfluxDB and in the hourly means', async () => {
    // online: four real-time packets, each acknowledged (9014) once durable
    for (; clock < T0 + 4 * STEP; clock += STEP) expect(await sim.record(clock)).toBe(true);
    // offline for 2 h: the logger keeps its history (no waiting: the simulated clock jumps)
    sim.goOffline();
    await waitFor(() => !sim.online, 'the logger offline');
    for (; clock < T0 + 2 * HOUR + 5 * STEP; clock += STEP) await sim.record(clock);
    expect(sim.sent).toBe(4);
    // back: its next real-time packet shows the gap in DataTime; the gateway requests the span hour by hour (2011, BeginTime/EndTime)
    sim.goOnline();
    await waitFor(() => sim.online, 'the logger back online');
    expect(await sim.record(clock)).toBe(true);
    const requests = await waitFor(() => {
      const r = sim.received.filter((p) => p.cn === '2011' && p.cp.fields.BeginTime);
      return r.length === 3 && r;
    }, 'three 1-hour history requests', 60_000);
    expect(requests.map((r) => [r.cp.fields.BeginTime, r.cp.fields.EndTime])).toEqual([
      // after the last value seen (T0 + 90 s) up to the one before the packet that showed the gap
      [hj(T0 + 3 * STEP + 1000), hj(T0 + HOUR + 3 * STEP)],
      [hj(T0 + HOUR + 3 * STEP + 1000), hj(T0 + 2 * HOUR + 3 * STEP)],
      [hj(T0 + 2 * HOUR + 3 * STEP + 1000), hj(clock - 1000)],
    ]);
    const total = sim.history.size;
    const stored = await waitFor(async () => {
      const rows = await influx.query<{ time: number; value: number }>(`SELECT value FROM wastewater_pipe WHERE site = 'WP-31' AND pollutant = 'w01018' AND time >= ${T0}ms`);
      return rows.length === total && rows;
    }, `all ${total} COD values in InfluxDB`, 90_000);
    // each at its own time (DataTime), so in its own hour
    const perHour = [0, 1, 2].map((h) => stored.filter((r) => r.time >= T0 + h * HOUR && r.time < T0 + (h + 1) * HOUR));
    expect(perHour.map((rs) => rs.length)).toEqual([120, 120, 6]);
    perHour.forEach((rs, h) => expect(new Set(rs.map((r) => r.value))).toEqual(new Set([100 + 10 * h])));
    // the processor's hourly means of the back-filled hours (issue 9 lateness: judged by reading time)
    const means = await waitFor(async () => {
      const rows = await influx.query<{ time: number; value?: number; valid: boolean }>(`SELECT value, valid FROM means WHERE site = 'WP-31' AND pollutant = 'w01018' AND period = 'hour' AND time >= ${T0}ms AND time < ${T0 + 2 * HOUR}ms`);
      return rows.length === 2 && rows.every((r) => r.valid) && rows;
    }, 'valid hourly means of both back-filled hours', 60_000);
    expect(means.map((m) => m.time)).toEqual([T0, T0 + HOUR]);
    expect(means[0]!.value).toBeCloseTo(100, 9);
    expect(means[1]!.value).toBeCloseTo(110, 9);
    // what was asked and completed is kept for a restart
    const state = JSON.parse(readFileSync(join(dataDir, 'hj212-backfill.json'), 'utf8')) as Record<string, { pending: unknown[]; done: { exeRtn: number }[] }>;
    expect(Object.values(state)[0]).toMatchObject({ pending: [], done: [{ exeRtn: 1 }, { exeRtn: 1 }, { exeRtn: 1 }] });
    expect(gw.deadLetters.total()).toBe(0);
  }, 180_000);
});

function hj(ms: number): string {
  const d = new Date(ms + 8 * HOUR);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}
