import type { Registry } from '../gateway/registry/schema.js';
import { createSimClock, type SimClock } from './clock.js';
import { startModbusSimulators } from './modbus/index.js';
import { startMqttSimulators } from './mqtt/index.js';
import { runScenario } from './scenarios/runner.js';
import { scenarios } from './scenarios/index.js';
import { ParkSignals } from './signals.js';

export interface ParkSimulators {
  /** the registry as the gateway must see it: Modbus lines carry the simulators' actual ports and pty paths */
  registry: Registry;
  signals: ParkSignals;
  clock: SimClock;
  /** MQTT messages published so far */
  published(): number;
  /** publish every MQTT device now (tests) */
  publishNow(deviceId?: string): Promise<void>;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** broker the MQTT devices publish to */
  mqttUrl: string;
  /** serve Modbus on the registry's configured ports (deployment) instead of free ports (tests, demo) */
  fixedPorts?: boolean;
  /** simulated time runs this many times faster */
  speed?: number;
  /** override every MQTT device's publish interval (ms, wall clock) */
  mqttIntervalMs?: number;
  /** named scenario from simulators/scenarios */
  scenario?: string;
  onStep?: (say: string) => void;
}

/** Every simulated monitor of the park over its real protocol: Modbus TCP/RTU stations and MQTT publishers. */
export async function startSimulators(registry: Registry, o: SimulatorOptions): Promise<ParkSimulators> {
  const scenario = o.scenario ? scenarios[o.scenario] : undefined;
  if (o.scenario && !scenario) throw new Error(`unknown scenario "${o.scenario}"; known: ${Object.keys(scenarios).join(', ')}`);
  const clock = createSimClock(o.speed ?? 1);
  const signals = new ParkSignals(registry, clock.now, clock);
  const modbus = await startModbusSimulators(registry, signals, { fixedPorts: o.fixedPorts });
  let mqtt: Awaited<ReturnType<typeof startMqttSimulators>>;
  try {
    mqtt = await startMqttSimulators(registry, signals, { url: o.mqttUrl, intervalMs: o.mqttIntervalMs });
  } catch (err) {
    await modbus.close();
    throw err;
  }
  const stopScenario = scenario ? runScenario(scenario, { signals, registry: modbus.registry, clock, onStep: o.onStep }) : () => {};
  return {
    registry: modbus.registry,
    signals,
    clock,
    published: () => mqtt.published,
    publishNow: (id) => mqtt.publishNow(id),
    async close() {
      stopScenario();
      await mqtt.close();
      await modbus.close();
    },
  };
}
