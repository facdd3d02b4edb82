import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../registry/loader.js';
import type { Line, ModbusDevice } from './config.js';
import { DevicePoller, type LinkRunner } from './device.js';
import { encodeChannel } from './encode.js';
import type { ModbusChannel } from './link.js';
import type { ReadRequest } from './plan.js';

const registry = loadRegistry();
// the station's holding-register channels (its gate state on coil 0 would be a second read request)
const station = registry.inputs.modbus.maps['ro-station-a']!;
const map = { ...station, channels: station.channels.filter((c) => c.table === 'holding') };
const line: Line = { id: 'tcp-RO-01', transport: 'tcp', host: '127.0.0.1', port: 1 };
const device: ModbusDevice = { kind: 'modbus', id: 'RO-01-M', line: 'tcp-RO-01', unitId: 1, map: 'ro-station-a', intervalMs: 1000, timeoutMs: 500, retries: 2 };

const timeout = () => Object.assign(new Error('Timed out'), { name: 'TransactionTimedOutError', errno: 'ETIMEDOUT' });
const exception = (code: number) => Object.assign(new Error(`Modbus exception ${code}`), { modbusCode: code });

/** A link whose answers are scripted: each read takes the next entry (an error to throw, or 'ok'). */
function scripted(script: ('ok' | Error)[]) {
  const calls: ReadRequest[] = [];
  const registers = [...map.channels.flatMap((c) => encodeChannel(c, 2.5)), ...Array(20).fill(0)];
  const ch: ModbusChannel = {
    read: async (_unit, req) => {
      calls.push(req);
      const next = script.shift() ?? 'ok';
      if (next instanceof Error) throw next;
      return Array.from({ length: req.quantity }, (_, i) => registers[req.address + i] ?? 0);
    },
  };
  const link: LinkRunner = { run: (job) => job(ch) };
  return { link, calls };
}

function poller(script: ('ok' | Error)[], backoffMax = 8000) {
  let t = 1_000_000;
  const { link, calls } = scripted(script);
  const p = new DevicePoller({ site: 'RO-01', device, line, map }, link, registry.pollutants, () => t, backoffMax);
  return { p, calls, advance: (ms: number) => (t += ms) };
}

describe('DevicePoller', () => {
  it('decodes a poll into readings stamped with the answer time', async () => {
    const { p } = poller([]);
    const o = await p.poll();
    expect(o.kind).toBe('ok');
    if (o.kind !== 'ok') return;
    expect(o.readings).toHaveLength(map.channels.length);
    expect(o.readings.every((r) => r.value === 2.5 && r.ts === 1_000_000 && r.device === 'RO-01-M')).toBe(true);
  });

  it('retries timeouts while healthy, then succeeds', async () => {
    const { p, calls } = poller([timeout(), timeout()]);
    expect((await p.poll()).kind).toBe('ok');
    expect(calls).toHaveLength(3);
  });

  it('does not retry an exception; names the device, unit and line', async () => {
    const { p, calls } = poller([exception(2)]);
    const o = await p.poll();
    expect(calls).toHaveLength(1);
    expect(o).toMatchObject({ kind: 'failed', failures: 1 });
    if (o.kind === 'failed') {
      expect(o.error.kind).toBe('exception');
      expect(o.error.message).toBe('RO-01-M (unit 1 on tcp-RO-01): Modbus exception 2 (illegal data address) to FC 03 holding 0+21');
    }
  });

  it('backs off a failing device exponentially up to the cap, probing without retries', async () => {
    const fail = () => [timeout(), timeout(), timeout()];
    const { p, calls, advance } = poller([...fail(), ...fail(), ...fail(), ...fail(), ...fail()], 4000);
    const o1 = await p.poll();
    expect(o1).toMatchObject({ kind: 'failed', failures: 1, retryInMs: 1000 });
    expect(o1.kind === 'failed' && o1.error.message).toMatch(/^RO-01-M \(unit 1 on tcp-RO-01\): timeout after 500 ms/);
    expect(calls).toHaveLength(3); // healthy: 1 + 2 retries
    advance(1000);
    expect(await p.poll()).toMatchObject({ kind: 'failed', failures: 2, retryInMs: 2000 });
    expect(calls).toHaveLength(4); // failing: a single probe
    advance(1000);
    expect((await p.poll()).kind).toBe('skipped');
    advance(1000);
    expect(await p.poll()).toMatchObject({ kind: 'failed', failures: 3, retryInMs: 4000 });
    for (let i = 0; i < 3; i++) {
      advance(1000);
      expect((await p.poll()).kind).toBe('skipped');
    }
    advance(1000);
    expect(await p.poll()).toMatchObject({ kind: 'failed', failures: 4, retryInMs: 4000 }); // capped
    expect(calls).toHaveLength(6);
  });

  it('reports recovery and polls at the normal interval again', async () => {
    const { p, advance } = poller([exception(4)]);
    expect((await p.poll()).kind).toBe('failed');
    advance(1000);
    expect(await p.poll()).toMatchObject({ kind: 'ok', recovered: true });
    advance(1000);
    expect(await p.poll()).toMatchObject({ kind: 'ok', recovered: false });
  });
});
