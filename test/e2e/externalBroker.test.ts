import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { loadPark } from '../../simulators/load/index.js';
import { startGatewayProcess, whenMqttInputReady, type GatewayProcess } from '../helpers/gatewayProcess.js';
import { freePort } from '../helpers/influxd.js';
import { loadRigEnv } from '../helpers/loadRig.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { makeTlsFiles } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;

/**
 * `npm start` against an external Mosquitto configured as shipped, over TLS: the gateway's login comes
 * from the secrets file the credentials tool wrote (mqtt.gateway), the CA from MQTT_CA_FILE.
 */
describe('the gateway process as a client of the shipped Mosquitto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'park-external-'));
  let broker: RunningMosquitto | undefined;
  let gw: GatewayProcess | undefined;
  afterAll(async () => {
    await gw?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in from the secrets file, receives an authorised device’s reading, and never logs its password', async () => {
    const tls = makeTlsFiles(dir);
    const park = loadPark(loadRegistry());
    broker = await startMosquitto({ shipped: true, registry: park, tls: { ca: tls.ca, cert: tls.serverCert, key: tls.serverKey } });
    const logins = broker.credentials!;
    // the readings' InfluxDB is away: what is asserted is what the gateway received, not what it stored
    const { env } = await loadRigEnv(dir, {
      influxUrl: `http://127.0.0.1:${await freePort()}`,
      database: 'park',
      mqttUrl: broker.tlsUrl!,
      extra: { PARK_SECRETS_FILE: logins.secretsFile, MQTT_CA_FILE: tls.ca, LOG_LEVEL: 'info' },
    });
    gw = await startGatewayProcess(env);
    await whenMqttInputReady(env.HTTP_PORT!);

    const site = park.sites.find((s) => s.devices.some((d) => d.kind === 'mqtt'))!;
    const device = site.devices.find((d) => d.kind === 'mqtt')!;
    const code = device.kind === 'mqtt' ? device.channels[0]! : '';
    const dev = await mqtt.connectAsync(broker.tlsUrl!, { protocolVersion: 4, reconnectPeriod: 0, ca: readFileSync(tls.ca), username: device.id, password: logins.users.get(device.id) });
    await dev.publishAsync(`${park.inputs.mqtt.topicPrefix}/${site.id}/${device.id}/data`, JSON.stringify({ ts: Date.now(), values: { [code]: 12.5 } }), { qos: 1 });
    await dev.endAsync();
    const health = async () => (await (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/healthz`)).json()) as { received: number; accepted: number };
    await waitFor(async () => (await health()).accepted >= 1, 'the reading accepted by the gateway', 30 * S);

    const connected = gw.logs.find((l) => l.msg === 'mqtt input: connected');
    expect(connected?.url).toBe(broker.tlsUrl);
    expect(connected?.clientId).toBe(logins.gateway.username);
    const all = JSON.stringify(gw.logs);
    expect(all).not.toContain(logins.gateway.password);
    expect(all).not.toContain(encodeURIComponent(logins.gateway.password));
  }, 120 * S);

  it('with the login in MQTT_URL (user:password@): connects, and the URL it logs carries neither', async () => {
    const logins = broker!.credentials!;
    const { env } = await loadRigEnv(dir, {
      influxUrl: `http://127.0.0.1:${await freePort()}`,
      database: 'park',
      mqttUrl: `mqtt://${logins.gateway.username}:${encodeURIComponent(logins.gateway.password)}@127.0.0.1:${broker!.port}`,
      extra: { LOG_LEVEL: 'info', DATA_DIR: join(dir, 'url-login') },
    });
    await gw?.stop();
    gw = await startGatewayProcess(env);
    await whenMqttInputReady(env.HTTP_PORT!);
    expect(gw.logs.find((l) => l.msg === 'mqtt input: connected')?.url).toBe(broker!.url);
    const all = JSON.stringify(gw.logs);
    expect(all).not.toContain(logins.gateway.password);
    expect(all).not.toContain(encodeURIComponent(logins.gateway.password));
  }, 120 * S);
});
