import type { Registry } from '../gateway/registry/schema.js';
import { startCameraSimulator, type CameraSimulator } from './camera/index.js';
import { createSimClock, type SimClock } from './clock.js';
import { startModbusSimulators } from './modbus/index.js';
import { startMqttSimulators } from './mqtt/index.js';
import { startHj212Loggers, type Hj212LoggerSims } from './hj212/index.js';
import { runScenario } from './scenarios/runner.js';
import { scenarios } from './scenarios/index.js';
import { ParkSignals } from './signals.js';
import { startUpstreams } from './hj212/upstreams.js';
import type { UpstreamSimulator } from './hj212/upstream.js';

export interface ParkSimulators {
  /** the registry as the gateway must see it: Modbus lines carry the simulators' actual ports and pty paths */
  registry: Registry;
  signals: ParkSignals;
  clock: SimClock;
  /** the outlets' cameras (HTTP JPEG snapshots); the registry's camera URLs point to it */
  cameras: CameraSimulator;
  /** stand-ins for the registry's upstream platforms (HJ 212-2017), by upstream id; the registry's upstream ports point to them */
  upstreams: Record<string, UpstreamSimulator>;
  /** the HJ 212 data loggers (devices of kind hj212), dialling the registry's inputs.hj212 port */
  hj212: Hj212LoggerSims;
  /** what the gateway's secrets file must hold for the simulators: the loggers' PW hashes, the upstreams' PWs (GatewayOptions.hj212Secrets) */
  secrets: { hj212: { loggers: Record<string, string>; upstreams: Record<string, Record<string, string>> } };
  /** MQTT messages published so far */
  published(): number;
  /** publish every MQTT device now (tests) */
  publishNow(deviceId?: string): Promise<void>;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** broker the MQTT devices publish to */
  mqttUrl: string;
  /** MQTT logins → plain passwords (device or site ids; see startMqttSimulators) */
  mqttCredentials?: Record<string, string>;
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
    mqtt = await startMqttSimulators(registry, signals, { url: o.mqttUrl, intervalMs: o.mqttIntervalMs, credentials: o.mqttCredentials });
  } catch (err) {
    await modbus.close();
    throw err;
  }
  let cameras: CameraSimulator;
  try {
    cameras = await startOutletCameras(modbus.registry, signals, clock.now, o.fixedPorts);
  } catch (err) {
    await mqtt.close();
    await modbus.close();
    throw err;
  }
  let hj212: Hj212LoggerSims;
  try {
    hj212 = await startHj212Loggers(modbus.registry, signals, clock, { fixedPorts: o.fixedPorts });
  } catch (err) {
    await cameras.close();
    await mqtt.close();
    await modbus.close();
    throw err;
  }
  const withCameras: Registry = { ...hj212.registry, sites: hj212.registry.sites.map((s) => (s.camera ? { ...s, camera: { ...s.camera, snapshotUrl: cameras.url(s.id) } } : s)) };
  let upstreams: Awaited<ReturnType<typeof startUpstreams>>;
  try {
    upstreams = await startUpstreams(withCameras, o.fixedPorts);
  } catch (err) {
    await hj212.close();
    await cameras.close();
    await mqtt.close();
    await modbus.close();
    throw err;
  }
  const withUpstreams: Registry = upstreams.registry;
  const stopScenario = scenario ? runScenario(scenario, { signals, registry: withUpstreams, clock, onStep: o.onStep }) : () => {};
  return {
    registry: withUpstreams,
    signals,
    clock,
    cameras,
    upstreams: upstreams.sims,
    hj212,
    secrets: { hj212: { loggers: hj212.credentials.loggers, upstreams: upstreams.pws } },
    published: () => mqtt.published,
    publishNow: (id) => mqtt.publishNow(id),
    async close() {
      stopScenario();
      await hj212.close();
      await mqtt.close();
      await modbus.close();
      await cameras.close();
      await upstreams.close();
    },
  };
}

/** One camera server for every site with a camera: the picture shows flow above 0.5 L/s or level above 0.1 m. */
function startOutletCameras(registry: Registry, signals: ParkSignals, now: () => number, fixedPorts?: boolean): Promise<CameraSimulator> {
  const sites = registry.sites.filter((s) => s.camera);
  const first = sites[0]?.camera?.snapshotUrl;
  return startCameraSimulator({
    sites: sites.map((s) => s.id),
    flowing: (site) => signals.value(site, 'w00000') > 0.5 || signals.value(site, 'w99001') > 0.1,
    now,
    port: fixedPorts && first ? Number(new URL(first).port) : 0,
  });
}
