import type { Logger } from 'pino';
import type { Registry } from '../../registry/schema.js';
import type { Channel, Line, ModbusDevice, ValveControl } from './config.js';
import { decodeChannel } from './decode.js';
import { classify, PollError } from './errors.js';
import { Link, type ModbusIo } from './link.js';
import { linkKey, type LinkPool } from './pool.js';
import { planReads } from './plan.js';

/** pollutant code of the 一企一管 valve state (1 open, 0 closed) */
const VALVE_STATE = 'w99002';

/** Writes to field devices, through the same links (and, on RS-485, the same queue) as the poller. */
export interface ModbusCommands {
  /**
   * Open or close a device's valve by writing its map's `valve` control point. Resolves when the device
   * acknowledged the write (not when the valve has moved: read it back with readValve). Rejects with a
   * PollError naming device, unit and line (kind timeout, exception, connection, ...).
   */
  writeValve(deviceId: string, open: boolean): Promise<void>;
  /** The valve state from the map's w99002 channel: true = open. Rejects like writeValve. */
  readValve(deviceId: string): Promise<boolean>;
}

export interface ModbusCommandsOptions {
  /** the registry the input polls (same lines, so the same links) */
  registry: Registry;
  /** the Modbus input's link pool (created by the composition root and given to both) */
  pool: LinkPool;
  /** clock for a temporary TCP connection's reconnect backoff */
  now?: () => number;
  log?: Logger;
}

interface Target {
  device: ModbusDevice;
  line: Line;
  valve: ValveControl;
  state: Channel;
  where: string;
}

/**
 * Valve commands on the Modbus devices of a registry. A command joins the link the input holds for the
 * device, so on an RS-485 line it waits its turn in the poller's queue (one master per line, Modbus over
 * Serial Line V1.02 §2.1). When the input is not polling the device: over TCP a connection is opened for
 * the command and closed after it; on a serial line the command fails with a 'connection' error instead
 * of opening the port a second time.
 */
export function createModbusCommands(opts: ModbusCommandsOptions): ModbusCommands {
  const { pool } = opts;
  const now = opts.now ?? Date.now;
  const { modbus } = opts.registry.inputs;

  function target(deviceId: string): Target {
    for (const site of opts.registry.sites) {
      for (const device of site.devices) {
        if (device.id !== deviceId || device.kind !== 'modbus') continue;
        const line = modbus.lines.find((l) => l.id === device.line);
        const map = modbus.maps[device.map];
        const where = `${device.id} (unit ${device.unitId} on ${device.line})`;
        if (!line || !map) throw new PollError('other', `unknown line ${device.line} or register map ${device.map}`, where);
        const state = map.channels.find((c) => c.pollutant === VALVE_STATE);
        if (!map.valve || !state) throw new PollError('other', `register map ${device.map} has no valve control point with a ${VALVE_STATE} read-back`, where);
        return { device, line, valve: map.valve, state, where };
      }
    }
    throw new PollError('other', `no Modbus device ${deviceId} in the registry`, deviceId);
  }

  async function withLink<T>(t: Target, what: string, job: (io: ModbusIo) => Promise<T>): Promise<T> {
    const key = linkKey(t.line, t.device.id);
    let link = pool.join(key);
    if (!link) {
      if (t.line.transport === 'rtu') {
        throw new PollError('connection', `serial line ${t.line.id} (${t.line.path}) is not open: the Modbus input is its only master and is not polling it, so ${what} is not sent`, t.where);
      }
      const log = opts.log?.child({ line: t.line.id, device: t.device.id });
      link = pool.acquire(key, () => new Link(t.line, modbus.backoffMs, now, Math.max(t.device.timeoutMs, 1000), (err) => log?.warn({ err }, `line ${t.line.id}: ${err.message}`)));
    }
    try {
      return await link.run(job);
    } catch (err) {
      throw classify(err, t.where, what, t.device.timeoutMs);
    } finally {
      await pool.release(key, link);
    }
  }

  return {
    writeValve(deviceId, open) {
      return Promise.resolve().then(() => {
        const t = target(deviceId);
        const { valve } = t;
        const { unitId, timeoutMs } = t.device;
        const value = open ? valve.openValue : valve.closedValue;
        if (valve.table === 'coil') {
          // Modbus Application Protocol V1.1b3 §6.5 FC 05: 0xFF00 on, 0x0000 off
          return withLink(t, `FC 05 coil ${valve.address} ${value ? 'ON' : 'OFF'}`, (io) => io.writeCoil(unitId, valve.address, value === 1, timeoutMs));
        }
        if (valve.bit === undefined) {
          // V1.1b3 §6.6 FC 06 Write Single Register
          return withLink(t, `FC 06 holding ${valve.address} = ${value}`, (io) => io.writeRegister(unitId, valve.address, value, timeoutMs));
        }
        // one bit of a holding register: FC 03 read, then FC 06 write of the whole word (§6.3, §6.6).
        // Both requests run in one job on the link, so no poll or other command comes in between.
        const bit = valve.bit;
        return withLink(t, `FC 03/06 holding ${valve.address} bit ${bit} = ${value}`, async (io) => {
          const [word] = await io.read(unitId, { table: 'holding', fc: 3, address: valve.address, quantity: 1 }, timeoutMs);
          if (word === undefined) throw new PollError('framing', `no register in the answer to FC 03 holding ${valve.address}+1`);
          const next = value ? word | (1 << bit) : word & ~(1 << bit) & 0xffff;
          await io.writeRegister(unitId, valve.address, next, timeoutMs);
        });
      });
    },

    readValve(deviceId) {
      return Promise.resolve().then(() => {
        const t = target(deviceId);
        const [req] = planReads({ vendor: '', channels: [t.state], status: [] });
        if (!req) throw new PollError('other', `no read request for the ${VALVE_STATE} channel`, t.where);
        const what = `FC ${String(req.fc).padStart(2, '0')} ${req.table} ${req.address}+${req.quantity}`;
        return withLink(t, what, async (io) => {
          const data = await io.read(t.device.unitId, req, t.device.timeoutMs);
          if (data.length !== req.quantity) throw new PollError('framing', `${data.length} values in the answer to ${what}, expected ${req.quantity}`);
          return decodeChannel(t.state, data) >= 0.5;
        });
      });
    },
  };
}
