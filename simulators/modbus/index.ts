import type { Registry } from '../../gateway/registry/schema.js';
import type { ParkSignals } from '../signals.js';
import type { SlaveUnit } from './pdu.js';
import { startPtyPair, type PtyPair } from './ptyPair.js';
import { startRtuSlave } from './rtuSlave.js';
import { startTcpSlave, type SlaveStats } from './tcpSlave.js';
import { SimulatedUnit } from './unit.js';

export { SimulatedUnit } from './unit.js';
export { startTcpSlave, type SlaveStats } from './tcpSlave.js';
export { startRtuSlave } from './rtuSlave.js';
export { startPtyPair, type PtyPair } from './ptyPair.js';

export interface ModbusSimulators {
  /** a copy of the registry whose TCP lines carry the actual ports (host 127.0.0.1) and RTU lines the gateway-side pty */
  registry: Registry;
  /** requests seen per line id */
  stats(): Record<string, SlaveStats>;
  close(): Promise<void>;
}

export interface ModbusSimulatorOptions {
  /** listen on each TCP line's configured port instead of a free one */
  fixedPorts?: boolean;
  /** socat binary for the RTU lines' pty pairs (default /usr/bin/socat) */
  socat?: string;
}

/**
 * Start one simulated Modbus endpoint per line of the registry, serving every device configured on it
 * with its register map and values from `signals` (see SimulatedUnit):
 * - TCP line: a Modbus TCP server on 127.0.0.1 (a free port, or the configured one with fixedPorts);
 *   unknown unit ids get exception 0x0B like a TCP gateway.
 * - RTU line: a socat pty pair; the slaves answer on one end, the returned registry points at the other.
 */
export async function startModbusSimulators(registry: Registry, signals: ParkSignals, opts: ModbusSimulatorOptions = {}): Promise<ModbusSimulators> {
  const copy = structuredClone(registry);
  const unitsByLine = new Map<string, Map<number, SlaveUnit>>();
  for (const site of registry.sites) {
    for (const d of site.devices) {
      if (d.kind !== 'modbus') continue;
      const map = registry.inputs.modbus.maps[d.map];
      if (!map) throw new Error(`simulator: device ${d.id} uses unknown register map ${d.map}`);
      const units = unitsByLine.get(d.line) ?? new Map<number, SlaveUnit>();
      units.set(d.unitId, new SimulatedUnit(site.id, d.id, map, signals));
      unitsByLine.set(d.line, units);
    }
  }

  const closers: (() => Promise<void>)[] = [];
  const stats: Record<string, SlaveStats> = {};
  const close = async () => {
    // slaves before the pty pairs they sit on
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    for (const line of copy.inputs.modbus.lines) {
      const units = unitsByLine.get(line.id) ?? new Map<number, SlaveUnit>();
      if (line.transport === 'tcp') {
        const slave = await startTcpSlave(units, '127.0.0.1', opts.fixedPorts ? line.port : 0);
        closers.push(slave.close);
        stats[line.id] = slave.stats;
        line.host = '127.0.0.1';
        line.port = slave.port;
      } else {
        const pty: PtyPair = await startPtyPair({ socat: opts.socat });
        closers.push(pty.close);
        const slave = await startRtuSlave(units, { path: pty.a, baudRate: line.baudRate, dataBits: line.dataBits, parity: line.parity, stopBits: line.stopBits });
        closers.push(slave.close);
        stats[line.id] = slave.stats;
        line.path = pty.b;
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { registry: copy, stats: () => structuredClone(stats), close };
}
