import Fastify, { type FastifyInstance } from 'fastify';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createDeviceHealth, type DeviceHealth } from '../../gateway/health/index.js';
import { createModbusCommands, createModbusInput, LinkPool, type ModbusCommands } from '../../gateway/inputs/modbus/index.js';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createActuator, createInterlock, registerValveRoutes, type Interlock, type ValveAction } from '../../processor/interlock/index.js';
import { startModbusSimulators, type ModbusSimulators } from '../../simulators/modbus/index.js';
import { ParkSignals } from '../../simulators/signals.js';
import { as, testAccess } from '../helpers/principal.js';
import { CountingPool, codEvent } from './interlockFixtures.js';
import { registryFor, until } from './modbusHarness.js';

const MIN = 60_000;
const log = createLogger('test', 'silent');

let registry: Registry;
let signals: ParkSignals;
let sim: ModbusSimulators;
let pool: CountingPool;
let health: DeviceHealth;
let commands: ModbusCommands;
let interlock: Interlock;
let sub: Subscription;
let app: FastifyInstance;
const readings: Reading[] = [];
const actions: ValveAction[] = [];
const TCP = ['WP-01', 'WP-02', 'WP-03']; // units 1-3 on tcp-rack-1 (wp-pipe-a, wp-pipe-b, wp-pipe-a)
const RTU = ['WP-35', 'WP-36', 'WP-37', 'WP-38']; // units 1-4 on rtu-rack-4 (wp-pipe-c)

/** the first poll of `device` answered after `after` that carries `pollutant` */
const pollAfter = (device: string, pollutant: string, after: number) => readings.find((r) => r.device === device && r.pollutant === pollutant && r.ts > after);
const sameRead = (r: Reading, pollutant: string) => readings.find((x) => x.device === r.device && x.ts === r.ts && x.pollutant === pollutant);

beforeAll(async () => {
  registry = registryFor(loadRegistry(), [...TCP, ...RTU], (d) => {
    d.intervalMs = d.line.startsWith('rtu') ? 500 : 300;
    d.timeoutMs = 1000;
  });
  // the stations' analysers measure every 2 s (instead of every 30-60 min), so a flag reaches a COD reading soon
  for (const m of Object.values(registry.inputs.modbus.maps)) for (const c of m.channels) if (c.cycleMs !== undefined) c.cycleMs = 2000;
  for (const s of registry.sites) {
    if (s.id === 'WP-35') s.interlock = { enabled: true, shutOffDelayMs: 15 * MIN, attempts: 3 };
    if (s.id === 'WP-03') s.interlock = { enabled: true, shutOffDelayMs: 15 * MIN, attempts: 2 };
  }
  signals = new ParkSignals(registry);
  sim = await startModbusSimulators(registry, signals);
  pool = new CountingPool();
  health = createDeviceHealth();
  const deadLetters = createDeadLetterStore();
  commands = createModbusCommands({ registry: sim.registry, pool, log });
  interlock = createInterlock({
    registry: sim.registry,
    commands,
    health,
    now: Date.now,
    log,
    onAction: (_site, a) => actions.push(a),
    actuator: { settleMs: 200, confirmWithinMs: 3000 },
  });
  sub = createModbusInput({ pool })({ registry: sim.registry, log, deadLetters, health, mqttUrl: '' }).subscribe((batch) => {
    readings.push(...batch.readings);
    interlock.observeBatch(batch.readings);
  });
  app = Fastify();
  const access = testAccess();
  access.install(app);
  registerValveRoutes(app, interlock, { audit: access.audit, registry: sim.registry });
  await app.ready();
  const devices = [...TCP, ...RTU].map((s) => `${s}-M`);
  await until(() => devices.every((d) => health.get(d)?.online), 'every device polled once', 60_000);
}, 90_000);

afterAll(async () => {
  sub?.unsubscribe();
  await app?.close();
  await sim?.close();
});

describe('valve interlock on the simulated park (Modbus TCP)', () => {
  it('shuts WP-01 (coil 0, FC 05) once the exceedance lasted the shut-off delay; the poller reads the valve shut and no flow', async () => {
    const links = pool.created;
    const ev = codEvent('WP-01', 15 * MIN + 1000);
    const a = await interlock.handle(ev);
    expect(a).toMatchObject({ kind: 'valve-close', site: 'WP-01', device: 'WP-01-M', ok: true, confirmed: true, attempts: 1, actor: 'system', rule: 'wp-cod', episodeSince: ev.since });
    expect(a?.reason).toMatch(/^wp-cod: w01018 = 640 beyond GB\/T 31962-2015/);
    expect(signals.valveOpen('WP-01')).toBe(false);
    await until(() => pollAfter('WP-01-M', 'w99002', a!.at) !== undefined, 'a poll of WP-01-M after the close');
    const valve = pollAfter('WP-01-M', 'w99002', a!.at)!;
    expect(valve.value).toBe(0);
    expect(sameRead(valve, 'w00000')?.value).toBe(0);
    // the same episode never shuts it twice; the command went through the input's own connection
    expect(await interlock.handle({ ...ev, ts: ev.ts + 5000 })).toBeUndefined();
    expect(actions.filter((x) => x.site === 'WP-01')).toHaveLength(1);
    expect(pool.created).toBe(links);
    await until(() => interlock.valves().find((v) => v.site === 'WP-01')?.source === 'reading', 'the valve state taken from a reading');
    expect(interlock.valves().find((v) => v.site === 'WP-01')).toMatchObject({ device: 'WP-01-M', open: false });
  });

  it('shuts WP-02 through its control coil and reads the state back from discrete input 0', async () => {
    const a = await interlock.handle(codEvent('WP-02', 16 * MIN));
    expect(a).toMatchObject({ kind: 'valve-close', ok: true, confirmed: true, attempts: 1 });
    expect(signals.valveOpen('WP-02')).toBe(false);
    await until(() => pollAfter('WP-02-M', 'w99002', a!.at)?.value === 0, 'WP-02-M reporting the valve shut');
    expect(sameRead(pollAfter('WP-02-M', 'w99002', a!.at)!, 'w00000')?.value).toBe(0);
    expect(await commands.readValve('WP-02-M')).toBe(false);
  });

  it('an exceedance shorter than the shut-off delay leaves the valve alone', async () => {
    signals.setValve('WP-02', true);
    expect(await interlock.handle(codEvent('WP-02', 14 * MIN))).toBeUndefined();
    expect(signals.valveOpen('WP-02')).toBe(true);
  });

  it('escalates instead of shutting when the latest reading is flagged as instrument trouble', async () => {
    signals.setFlag('WP-02', 'D');
    const since = Date.now();
    await until(() => readings.some((r) => r.device === 'WP-02-M' && r.pollutant === 'w01018' && r.flag === 'D' && r.ts > since), 'a D-flagged COD reading of WP-02-M');
    const a = await interlock.handle(codEvent('WP-02', 20 * MIN));
    expect(a).toMatchObject({ kind: 'escalate', ok: false, attempts: 0, actor: 'system', error: 'latest reading at WP-02 is flagged D (instrument trouble)' });
    expect(signals.valveOpen('WP-02')).toBe(true);
    signals.setFlag('WP-02', 'N');
  });
});

describe('valve interlock on the RS-485 line (one master per line)', () => {
  it('shuts WP-35 (holding 54 bit 0: FC 03 then FC 06) through the poller link while it polls the line', async () => {
    const links = pool.created;
    const before = Object.fromEntries(RTU.map((s) => [s, readings.filter((r) => r.device === `${s}-M`).length]));
    const a = await interlock.handle(codEvent('WP-35', 15 * MIN));
    expect(a).toMatchObject({ kind: 'valve-close', site: 'WP-35', device: 'WP-35-M', ok: true, confirmed: true, attempts: 1 });
    expect(signals.valveOpen('WP-35')).toBe(false);
    await until(() => pollAfter('WP-35-M', 'w99002', a!.at) !== undefined, 'a poll of WP-35-M after the close');
    const valve = pollAfter('WP-35-M', 'w99002', a!.at)!;
    expect(valve.value).toBe(0);
    expect(sameRead(valve, 'w00000')?.value).toBe(0);
    // the neighbours kept polling on the same port, without a connection error
    await until(() => RTU.every((s) => readings.filter((r) => r.device === `${s}-M`).length > (before[s] ?? 0)), 'new polls of every RTU device');
    for (const s of RTU) expect(health.get(`${s}-M`)?.errors.connection ?? 0).toBe(0);
    expect(pool.created).toBe(links);
    expect(signals.valveOpen('WP-36')).toBe(true);
  });

  it('without the input polling the line, a command refuses to open the serial port itself', async () => {
    const own = new LinkPool();
    const alone = createModbusCommands({ registry: sim.registry, pool: own, log });
    await expect(alone.writeValve('WP-36-M', false)).rejects.toThrow(/^WP-36-M \(unit 2 on rtu-rack-4\): serial line rtu-rack-4 \(.+\) is not open/);
    expect(signals.valveOpen('WP-36')).toBe(true);
    // over TCP it opens a connection of its own for the command
    expect(await alone.readValve('WP-01-M')).toBe(false);
    expect(own.keys()).toEqual([]); // and closes it afterwards
  });
});

describe('a valve device that does not answer', () => {
  it('the actuator gives up after the configured attempts, without throwing', async () => {
    signals.setSilent('WP-03-M', true);
    const actuator = createActuator({ registry: sim.registry, commands, settleMs: 100 });
    const r = await actuator.closeValve('WP-03-M');
    expect(r).toMatchObject({ ok: false, confirmed: false, attempts: 2 });
    expect(r.error).toMatch(/^write failed: WP-03-M \(unit 3 on tcp-rack-1\): timeout after 1000 ms \(FC 05 coil 0 OFF\) \(after 2 attempts\)$/);
    expect(signals.valveOpen('WP-03')).toBe(true);
  });

  it('the interlock escalates when health reports the device offline', async () => {
    await until(() => health.get('WP-03-M')?.online === false, 'WP-03-M offline');
    const a = await interlock.handle(codEvent('WP-03', 15 * MIN));
    expect(a).toMatchObject({ kind: 'escalate', site: 'WP-03', device: 'WP-03-M', ok: false, error: 'valve device WP-03-M is offline' });
    expect(a?.reason).toMatch(/valve not shut: valve device WP-03-M is offline$/);
  });
});

describe('reopening a valve over HTTP (a person only)', () => {
  // 王青 as section chief: reopening needs the chief or admin role (access rules: test/integration/accessRoutes.test.ts)
  const open = (site: string, payload: unknown) => app.inject({ method: 'POST', url: `/api/valves/${site}/open`, payload: payload as object, headers: as('chiefOfficer') });

  it('POST /api/valves/WP-01/open opens the valve and records who and why', async () => {
    const res = await open('WP-01', { reason: '企业整改完成, 复测达标' });
    expect(res.statusCode).toBe(200);
    const { action } = res.json<{ action: ValveAction }>();
    expect(action).toMatchObject({ kind: 'valve-open', site: 'WP-01', device: 'WP-01-M', ok: true, confirmed: true, actor: 'wang.qing', reason: '企业整改完成, 复测达标' });
    expect(actions.at(-1)).toEqual(action);
    expect(signals.valveOpen('WP-01')).toBe(true);
    await until(() => pollAfter('WP-01-M', 'w99002', action.at)?.value === 1, 'WP-01-M reporting the valve open');
    const list = await app.inject({ method: 'GET', url: '/api/valves', headers: as('viewer') });
    const valves = list.json<{ valves: { site: string; open?: boolean; lastAction?: ValveAction }[] }>().valves;
    expect(valves.map((v) => v.site).sort()).toEqual(['WP-01', 'WP-02', 'WP-03', 'WP-35']);
    expect(valves.find((v) => v.site === 'WP-01')).toMatchObject({ open: true, lastAction: { kind: 'valve-open', actor: 'wang.qing' } });
  });

  it('refuses a bad body, an unknown site and a pipe without interlock', async () => {
    const bad = await open('WP-01', { actor: '', reason: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/actor/);
    expect((await open('WP-01', { actor: 'system', reason: 'x' })).statusCode).toBe(400);
    expect((await open('WP-01', {})).json<{ message: string }>().message).toMatch(/reason/);
    expect((await open('WP-01', { reason: 'x'.repeat(2001) })).json<{ message: string }>().message).toMatch(/reason/);
    const unknown = await open('WP-99', { reason: 'x' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ message: string }>().message).toBe('no site WP-99');
    const none = await open('WP-36', { reason: 'x' });
    expect(none.statusCode).toBe(404);
    expect(none.json<{ message: string }>().message).toBe('site WP-36 has no valve interlock enabled');
  });

  it('answers 502 with the reason when the device does not take the write', async () => {
    const res = await open('WP-03', { reason: '复测达标' });
    expect(res.statusCode).toBe(502);
    const body = res.json<{ message: string; action: ValveAction }>();
    expect(body.message).toMatch(/timeout after 1000 ms \(FC 05 coil 0 ON\)/);
    expect(body.action).toMatchObject({ kind: 'valve-open', ok: false, attempts: 2, actor: 'wang.qing', reason: '复测达标' });
    signals.setSilent('WP-03-M', false);
  });
});

describe('valve commands are serialised per valve and idempotent', () => {
  it('20 parallel reopens of WP-02 over HTTP make one Modbus write on the simulator; all get its outcome', async () => {
    signals.setValve('WP-02', false);
    const writes: boolean[] = [];
    const setValve = signals.setValve.bind(signals);
    // the simulator switches the valve when a write reaches its control coil (simulators/modbus/unit.ts)
    signals.setValve = (site, open) => {
      if (site === 'WP-02') writes.push(open);
      setValve(site, open);
    };
    try {
      const res = await Promise.all(
        Array.from({ length: 20 }, (_, i) => app.inject({ method: 'POST', url: '/api/valves/WP-02/open', payload: { reason: `复测达标 ${i}` }, headers: as(i % 2 ? 'chief' : 'admin') })),
      );
      expect(res.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
      expect(writes).toEqual([true]);
      expect(res.filter((r) => !r.json<{ joined?: boolean }>().joined)).toHaveLength(1);
      expect(signals.valveOpen('WP-02')).toBe(true);
    } finally {
      signals.setValve = setValve;
    }
  });
});

describe('over range (HJ 212-2017 flag T) on the simulated pipe', () => {
  it('COD flagged T at the range top above the limit shuts WP-01 (coil 0) and the poller reads it shut; the same value flagged C does not', async () => {
    signals.setValve('WP-01', true);
    signals.set('WP-01', 'w01018', 1000);
    signals.setFlag('WP-01', 'T');
    const since = Date.now();
    await until(() => readings.some((r) => r.device === 'WP-01-M' && r.pollutant === 'w01018' && r.flag === 'T' && r.value === 1000 && r.ts > since), 'a T-flagged COD reading of WP-01-M');
    const ev = { ...codEvent('WP-01', 15 * MIN), value: 1000, context: { lowerBound: true } };
    const a = await interlock.handle(ev);
    expect(a).toMatchObject({ kind: 'valve-close', site: 'WP-01', ok: true, confirmed: true, rule: 'wp-cod' });
    expect(signals.valveOpen('WP-01')).toBe(false);
    await until(() => pollAfter('WP-01-M', 'w99002', a!.at) !== undefined, 'a poll of WP-01-M after the close');
    expect(pollAfter('WP-01-M', 'w99002', a!.at)!.value).toBe(0);

    // calibration (C) with the same 1000 mg/L: not a ground to shut, a person is asked instead
    signals.setValve('WP-01', true);
    signals.setFlag('WP-01', 'C');
    const c0 = Date.now();
    await until(() => readings.some((r) => r.device === 'WP-01-M' && r.pollutant === 'w01018' && r.flag === 'C' && r.ts > c0), 'a C-flagged COD reading of WP-01-M');
    const c = await interlock.handle({ ...codEvent('WP-01', 15 * MIN), value: 1000 });
    expect(c).toMatchObject({ kind: 'escalate', error: 'latest reading at WP-01 is flagged C (instrument trouble)' });
    expect(signals.valveOpen('WP-01')).toBe(true);
  });

  it('a valve opened by hand while the reading is still over range is shut again by the interlock itself', async () => {
    signals.setFlag('WP-01', 'T');
    const t0 = Date.now();
    await until(() => readings.some((r) => r.device === 'WP-01-M' && r.pollutant === 'w01018' && r.flag === 'T' && r.ts > t0), 'a T-flagged COD reading of WP-01-M');
    const ev = { ...codEvent('WP-01', 20 * MIN), value: 1000, context: { lowerBound: true } };
    const first = await interlock.handle(ev);
    expect(first).toMatchObject({ kind: 'valve-close', confirmed: true });
    const before = actions.length;
    signals.setValve('WP-01', true); // someone at the pipe
    await until(() => actions.slice(before).some((x) => x.reshut === 1), 'the re-shut');
    expect(actions.slice(before).find((x) => x.reshut === 1)).toMatchObject({ kind: 'valve-close', site: 'WP-01', ok: true, confirmed: true, actor: 'system', rule: 'wp-cod', episodeSince: ev.since });
    expect(signals.valveOpen('WP-01')).toBe(false);
    // the clear of the episode ends it: a reopening afterwards is left alone
    await interlock.handle({ ...ev, type: 'clear', value: 300 });
    signals.setFlag('WP-01', 'N');
    signals.set('WP-01', 'w01018', 300);
    const after = actions.length;
    signals.setValve('WP-01', true);
    const t = Date.now();
    await until(() => readings.filter((r) => r.device === 'WP-01-M' && r.pollutant === 'w99002' && r.value === 1 && r.ts > t).length >= 3, 'three polls with the valve open');
    expect(actions.slice(after)).toEqual([]);
    expect(signals.valveOpen('WP-01')).toBe(true);
  });
});
