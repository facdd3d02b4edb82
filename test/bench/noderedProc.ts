import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/influxd.js';
import { BENCH, procCpuMs, procRss, ROOT, stopChild, track } from './procs.js';
import { tmp } from './system.js';

/**
 * Node-RED 4, headless on 127.0.0.1, running test/bench/nodered/flow.json with its placeholders filled
 * in: MQTT in (QoS 1) → function (points + H2S threshold) → function (batches of 5,000 / 1 s) →
 * influxdb batch; threshold crossings → http request to the alert stand-in.
 */
export interface NodeRedOptions {
  mqttUrl: string;
  topicPrefix: string;
  clientId: string;
  influxUrl: string;
  database: string;
  alertUrl: string;
}

export interface NodeRedHandle {
  pid: number;
  cpuMs(): number;
  peakRss(): number;
  stop(): Promise<void>;
}

const readText = (p: string) => readFileSync(p, 'utf8');

export async function startNodeRed(o: NodeRedOptions): Promise<NodeRedHandle> {
  const userDir = tmp('nodered');
  const mqtt = new URL(o.mqttUrl);
  const influx = new URL(o.influxUrl);
  const fill: Record<string, string> = {
    __MQTT_HOST__: mqtt.hostname,
    __MQTT_PORT__: mqtt.port || '1883',
    __CLIENT_ID__: o.clientId,
    __TOPIC_PREFIX__: o.topicPrefix,
    __INFLUX_HOST__: influx.hostname,
    __INFLUX_PORT__: influx.port,
    __INFLUX_DB__: o.database,
    __ALERT_URL__: o.alertUrl,
  };
  const flow = readFileSync(join(BENCH, 'nodered', 'flow.json'), 'utf8').replace(/__[A-Z_]+__/g, (k) => fill[k] ?? k);
  writeFileSync(join(userDir, 'flows.json'), flow);
  const port = await freePort();
  const child: ChildProcess = track(
    spawn(process.execPath, ['-r', join(BENCH, 'nodered', 'dieWithParent.cjs'), join(ROOT, 'node_modules', 'node-red', 'red.js'), '-s', join(BENCH, 'nodered', 'settings.cjs'), '-u', userDir], {
      cwd: userDir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_NODERED_PORT: String(port), NODE_RED_ENABLE_PROJECTS: 'false' },
    }),
  );
  let log = '';
  const collect = (b: Buffer) => (log = (log + b.toString('utf8')).slice(-20_000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const stop = async () => {
    child.stdin?.end();
    await stopChild(child, 8000);
    rmSync(userDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (!/Connected to broker/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Node-RED did not connect to the broker:\n${log.split('\n').slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (/Missing node types|Waiting for missing types/.test(log)) {
    await stop();
    throw new Error(`Node-RED is missing node types (node-red-contrib-influxdb?):\n${log.split('\n').slice(-20).join('\n')}`);
  }
  await new Promise((r) => setTimeout(r, 1000)); // SUBSCRIBE follows the CONNACK
  const pid = child.pid!;
  return {
    pid,
    cpuMs: () => procCpuMs(pid, readText) ?? 0,
    peakRss: () => procRss(pid, readText)?.hwm ?? NaN,
    stop,
  };
}
