import Pkg from 'modbus-serial';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { startModbusSimulators, type ModbusSimulators } from '../../simulators/modbus/index.js';
import { crc16, withCrc } from '../../simulators/modbus/crc.js';
import { ParkSignals } from '../../simulators/signals.js';
import { startSocat } from '../helpers/socat.js';
import { waitFor } from '../helpers/wait.js';
import { registryFor } from './modbusHarness.js';

const ModbusRTU = Pkg.default;
type Client = InstanceType<typeof ModbusRTU>;

const lineOf = (r: Registry, id: string) => r.inputs.modbus.lines.find((l) => l.id === id)!;

describe('Modbus simulators (driven by a plain Modbus client)', () => {
  let sim: ModbusSimulators;
  let signals: ParkSignals;
  let tcp: Client;

  beforeAll(async () => {
    const registry = registryFor(loadRegistry(), ['WP-01', 'WP-02', 'WP-35', 'WP-36']);
    signals = new ParkSignals(registry);
    sim = await startModbusSimulators(registry, signals);
    const rack = lineOf(sim.registry, 'tcp-rack-1');
    if (rack.transport !== 'tcp') throw new Error('tcp-rack-1 is a TCP line');
    tcp = new ModbusRTU();
    tcp.setTimeout(2000);
    await tcp.connectTCP(rack.host, { port: rack.port });
  });
  afterAll(async () => {
    tcp?.destroy(() => undefined);
    await sim?.close();
  });

  it('patches the registry copy: actual TCP ports on 127.0.0.1, the gateway end of the pty pair', () => {
    const rack = lineOf(sim.registry, 'tcp-rack-1');
    const rtu = lineOf(sim.registry, 'rtu-rack-4');
    expect(rack).toMatchObject({ transport: 'tcp', host: '127.0.0.1' });
    expect(rack.transport === 'tcp' && rack.port).not.toBe(15201);
    expect(rtu.transport === 'rtu' && rtu.path).toMatch(/\/b$/);
  });

  it('wp-pipe-a: writing coil 0 switches the valve', async () => {
    tcp.setID(1);
    await tcp.writeCoil(0, false);
    expect(signals.valveOpen('WP-01')).toBe(false);
    expect((await tcp.readCoils(0, 1)).data[0]).toBe(false);
    await tcp.writeCoil(0, true);
    expect(signals.valveOpen('WP-01')).toBe(true);
  });

  it('wp-pipe-b: the valve state is on discrete input 0, the control coil is coil 0', async () => {
    tcp.setID(2);
    await tcp.writeCoil(0, false);
    expect(signals.valveOpen('WP-02')).toBe(false);
    expect((await tcp.readDiscreteInputs(0, 1)).data[0]).toBe(false);
    expect((await tcp.readCoils(0, 1)).data[0]).toBe(false);
    await tcp.writeCoil(0, true);
    expect((await tcp.readDiscreteInputs(0, 1)).data[0]).toBe(true);
  });

  it('refuses writes to measurement registers (exception 02) and answers an unknown unit with exception 0B', async () => {
    tcp.setID(1);
    await expect(tcp.writeRegister(0, 1)).rejects.toMatchObject({ modbusCode: 2 });
    tcp.setID(99);
    await expect(tcp.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 11 });
  });

  it('wp-pipe-c on RTU: writing bit 0 of holding 54 switches the valve; a silent slave does not answer', async () => {
    const rtuLine = lineOf(sim.registry, 'rtu-rack-4');
    if (rtuLine.transport !== 'rtu') throw new Error('rtu-rack-4 is an RTU line');
    const rtu = new ModbusRTU();
    try {
      rtu.setTimeout(1000);
      await rtu.connectRTUBuffered(rtuLine.path, { baudRate: rtuLine.baudRate });
      rtu.setID(1);
      await rtu.writeRegister(54, 0);
      expect(signals.valveOpen('WP-35')).toBe(false);
      expect((await rtu.readHoldingRegisters(54, 1)).data).toEqual([0]);
      await rtu.writeRegister(54, 1);
      expect(signals.valveOpen('WP-35')).toBe(true);
      signals.setSilent('WP-36-M', true);
      rtu.setID(2);
      await expect(rtu.readHoldingRegisters(40, 16)).rejects.toMatchObject({ errno: 'ETIMEDOUT' });
      signals.setGarbage('WP-36-M', true);
      signals.setSilent('WP-36-M', false);
      await expect(rtu.readHoldingRegisters(40, 16)).rejects.toMatchObject({ modbusCode: 4 });
      signals.setGarbage('WP-36-M', false);
      expect((await rtu.readHoldingRegisters(40, 16)).data).toHaveLength(16);
    } finally {
      await new Promise((res) => rtu.close(res));
    }
  });
});

describe('RTU slave framing over a socat pty pair', () => {
  it('ignores a frame with a bad CRC and answers the next good one', async () => {
    const registry = structuredClone(loadRegistry());
    registry.sites = registry.sites.filter((s) => s.id === 'WP-35');
    const line = lineOf(registry, 'rtu-rack-4');
    if (line.transport !== 'rtu') throw new Error('rtu-rack-4 is an RTU line');
    registry.inputs.modbus.lines = [line];
    const sim = await startModbusSimulators(registry, new ParkSignals(registry));
    const path = (lineOf(sim.registry, 'rtu-rack-4') as { path: string }).path;
    const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
    try {
      await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
      let received = Buffer.alloc(0);
      port.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
      const bad = withCrc(Buffer.from([1, 3, 0, 54, 0, 1]));
      bad[7]! ^= 0xff;
      port.write(Buffer.concat([bad, withCrc(Buffer.from([1, 3, 0, 55, 0, 1]))]));
      await waitFor(() => received.length >= 7, 'an answer', 10_000, 20).catch(() => undefined);
      // exactly one answer: unit 1, FC 03, 2 bytes (the status word at 55), valid CRC
      expect(received.length).toBe(7);
      expect([...received.subarray(0, 3)]).toEqual([1, 3, 2]);
      expect(received.readUInt16LE(5)).toBe(crc16(received.subarray(0, 5)));
      expect(sim.stats()['rtu-rack-4']?.requests).toBe(1);
    } finally {
      await new Promise((res) => port.close(res));
      await sim.close();
    }
  });

  it('the socat helper links the two ends', async () => {
    const pty = await startSocat();
    const a = new SerialPort({ path: pty.a, baudRate: 9600, autoOpen: false });
    const b = new SerialPort({ path: pty.b, baudRate: 9600, autoOpen: false });
    try {
      await Promise.all([a, b].map((p) => new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res())))));
      const got = new Promise<Buffer>((res) => b.once('data', res));
      a.write(Buffer.from([0x01, 0x03]));
      expect([...(await got)]).toEqual([0x01, 0x03]);
    } finally {
      await Promise.all([a, b].map((p) => new Promise((res) => p.close(res))));
      await pty.close();
    }
  });
});
