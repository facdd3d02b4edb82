import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../gateway/deadLetter/index.js';
import { publishRaw } from '../../simulators/mqtt/index.js';
import { startGatewayProcess, whenMqttInputReady, type GatewayProcess } from '../helpers/gatewayProcess.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { freePort } from '../helpers/influxd.js';
import { loadRigEnv } from '../helpers/loadRig.js';
import { hashesOf } from '../helpers/mqttAuth.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;

/** every dead letter in <dataDir> (the current file and the rotated ones) */
function deadLetters(dir: string): DeadLetter[] {
  return readdirSync(dir)
    .filter((f) => /^dead-letters(\.\d+)?\.jsonl$/.test(f))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DeadLetter));
}

describe('stored history is never overwritten (issue 11), across a restart of the gateway process', () => {
  let influx: RunningInflux;
  let dir: string;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'park-stored-'));
    influx = await startInflux();
  }, 120_000);

  afterAll(async () => {
    for (const g of gateways) await g.kill9();
    await influx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-publishing a stored timestamp with another value, before and after a kill -9, leaves the stored value and a dead letter', async () => {
    const { park, env } = await loadRigEnv(dir, { influxUrl: influx.url, database: influx.database, mqttUrl: '' });
    delete env.MQTT_URL; // the embedded broker
    env.MQTT_PORT = String(await freePort());
    const url = `mqtt://127.0.0.1:${env.MQTT_PORT}`;
    const site = park.sites.find((s) => s.devices.some((d) => d.kind === 'mqtt'))!;
    const device = site.devices.find((d) => d.kind === 'mqtt')!;
    const code = device.kind === 'mqtt' ? device.channels[0]! : '';
    const topic = `${park.inputs.mqtt.topicPrefix}/${site.id}/${device.id}/data`;
    const ts = Date.now() - 120 * S;
    // the device's login on the embedded broker (the secrets file holds its hash)
    const password = 'stored-history-device-pw';
    writeFileSync(join(dir, 'secrets.yaml'), stringify({ mqtt: { users: hashesOf({ [device.id]: password }) } }), { mode: 0o600 });
    env.PARK_SECRETS_FILE = join(dir, 'secrets.yaml');
    const publish = (value: number, at = ts) => publishRaw(url, topic, JSON.stringify({ ts: at, values: { [code]: value } }), { username: device.id, password });
    const valueAt = async (at: number) => (await influx.query<{ value: number }>(`SELECT value FROM ${site.kind} WHERE site = '${site.id}' AND device = '${device.id}' AND pollutant = '${code}' AND time = ${at}ms`))[0]?.value;
    const refused = (value: number) => deadLetters(dir).find((d) => d.reason === 'duplicate-timestamp' && (JSON.parse(d.raw) as { value: number }).value === value);

    gateways.push(await startGatewayProcess(env));
    await whenMqttInputReady(env.HTTP_PORT!);
    await publish(1.5);
    await waitFor(async () => (await valueAt(ts)) === 1.5, 'the first value stored in InfluxDB', 30 * S);

    await publish(9.5);
    const before = await waitFor(() => refused(9.5), 'the other value dead-lettered as a duplicate timestamp', 30 * S);
    expect(before.detail).toMatch(/duplicate timestamp: stored value 1.5 flag N, new value 9.5 flag N refused/);
    // a later reading is stored: what came before it has been through the writer too
    await publish(2, ts + S);
    await waitFor(async () => (await valueAt(ts + S)) === 2, 'a later reading stored', 30 * S);
    expect(await valueAt(ts)).toBe(1.5);

    await gateways[0]!.kill9();
    gateways.push(await startGatewayProcess(env));
    await whenMqttInputReady(env.HTTP_PORT!);
    await publish(7.5);
    await waitFor(() => refused(7.5), 'the other value refused after the restart', 30 * S);
    await publish(3, ts + 2 * S);
    await waitFor(async () => (await valueAt(ts + 2 * S)) === 3, 'a later reading stored after the restart', 30 * S);
    expect(await valueAt(ts)).toBe(1.5);
    expect(await valueAt(ts + S)).toBe(2);
  }, 180_000);
});
