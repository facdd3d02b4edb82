import type { Subscription } from 'rxjs';
import { createDeadLetterStore, type DeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createDeviceHealth, type DeviceHealth } from '../../gateway/health/index.js';
import type { ModbusDevice } from '../../gateway/inputs/modbus/config.js';
import { createModbusInput, LinkPool } from '../../gateway/inputs/modbus/index.js';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { startModbusSimulators, type ModbusSimulators } from '../../simulators/modbus/index.js';
import { ParkSignals } from '../../simulators/signals.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A copy of `base` with only the given sites (all lines and maps kept), each Modbus device changed by
 * `tweak` (e.g. a short interval), and the reconnect backoff shortened.
 */
export function registryFor(base: Registry, siteIds: string[], tweak: (d: ModbusDevice) => void = () => undefined): Registry {
  const r = structuredClone(base);
  r.sites = r.sites.filter((s) => siteIds.includes(s.id));
  for (const s of r.sites) for (const d of s.devices) if (d.kind === 'modbus') tweak(d);
  r.inputs.modbus.backoffMs = { initial: 200, max: 2000 };
  return r;
}

export interface Run {
  sim: ModbusSimulators;
  signals: ParkSignals;
  readings: Reading[];
  health: DeviceHealth;
  deadLetters: DeadLetterStore;
  /** distinct polls (reading timestamps) seen from a device */
  polls(device: string): number;
  /** newest reading of a device's pollutant */
  latest(device: string, pollutant: string): Reading | undefined;
  /** end the input's subscription, keep the simulators */
  unsubscribe(): void;
  /** unsubscribe and close the simulators */
  stop(): Promise<void>;
}

/** Start the simulators for `registry` and subscribe the Modbus input to them. */
export async function run(registry: Registry, prepare: (signals: ParkSignals) => void = () => undefined): Promise<Run> {
  const signals = new ParkSignals(registry);
  prepare(signals);
  const sim = await startModbusSimulators(registry, signals);
  const health = createDeviceHealth();
  const deadLetters = createDeadLetterStore();
  const readings: Reading[] = [];
  const pollTimes = new Map<string, Set<number>>();
  const input = createModbusInput({ pool: new LinkPool() });
  const sub: Subscription = input({ registry: sim.registry, log: createLogger('test', 'silent'), deadLetters, health, mqttUrl: '' }).subscribe((batch) => {
    for (const r of batch.readings) {
      readings.push(r);
      const set = pollTimes.get(r.device) ?? new Set<number>();
      set.add(r.ts);
      pollTimes.set(r.device, set);
    }
  });
  return {
    sim,
    signals,
    readings,
    health,
    deadLetters,
    polls: (device) => pollTimes.get(device)?.size ?? 0,
    latest: (device, pollutant) => {
      for (let i = readings.length - 1; i >= 0; i--) if (readings[i]?.device === device && readings[i]?.pollutant === pollutant) return readings[i];
      return undefined;
    },
    unsubscribe: () => sub.unsubscribe(),
    stop: async () => {
      sub.unsubscribe();
      await sim.close();
    },
  };
}

/** Wait until `cond` holds (waitFor, checked every 50 ms); fail with `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(cond, what, timeoutMs, 50);
}
