import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dataTopic } from '../../gateway/broker/index.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.js';
import { freePort } from '../helpers/influxd.js';
import { hashesOf, selfSignedCert, tryConnect, remainingLength } from '../helpers/mqttAuth.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;
const MiB = 1024 * 1024;
const registry = loadRegistry();
const site = registry.sites.find((s) => s.devices.some((d) => d.kind === 'mqtt'))!;
const device = site.devices.find((d) => d.kind === 'mqtt')!.id;
const PASSWORD = 'gateway-e2e-device-password';

const dirs: string[] = [];
const gateways: GatewayProcess[] = [];
const clients: MqttClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  for (const g of gateways) await g.kill9();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function gateway(extra: Record<string, string>): Promise<{ gw: GatewayProcess; env: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'park-broker-gw-'));
  dirs.push(dir);
  const env = { DATA_DIR: dir, HTTP_PORT: String(await freePort()), MQTT_PORT: String(await freePort()), INFLUX_URL: `http://127.0.0.1:${await freePort()}`, HJ212_PORT: '0', ...extra };
  const gw = await startGatewayProcess(env);
  gateways.push(gw);
  return { gw, env };
}


describe('the gateway process and its embedded broker', () => {
  it('without MQTT users: every client refused, the log says how to provision; a 200 MB publish is cut off and the gateway does not grow', async () => {
    const { gw, env } = await gateway({});
    expect(gw.logs.some((l) => /no MQTT users configured.*npm run credentials/.test(l.msg))).toBe(true);
    const url = `mqtt://127.0.0.1:${env.MQTT_PORT}`;
    const attempt = await tryConnect(url, { username: device, password: PASSWORD });
    clients.push(attempt.client);
    expect(attempt).toMatchObject({ ok: false, code: 4 });

    const rss0 = gw.rss()!;
    let peak = rss0;
    const socket = connect(Number(env.MQTT_PORT), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let closed = false;
    socket.on('error', () => undefined);
    socket.once('close', () => (closed = true));
    const t = Buffer.from(dataTopic(registry.inputs.mqtt.topicPrefix, site.id, device));
    const body = 200 * 1000 * 1000;
    socket.write(Buffer.from([0x30, ...remainingLength(2 + t.length + body), 0, t.length, ...t]));
    const chunk = Buffer.alloc(64 * 1024, 0x7b);
    let sent = 0;
    while (sent < body && !closed) {
      if (!socket.write(chunk)) await new Promise((resolve) => (socket.once('drain', resolve), socket.once('close', resolve)));
      sent += chunk.length;
      peak = Math.max(peak, gw.rss() ?? 0);
    }
    await waitFor(() => closed, 'the broker to close the socket');
    expect(sent).toBeLessThan(body);
    expect(peak - rss0).toBeLessThan(50 * MiB);
    await waitFor(() => gw.logs.some((l) => l.msg === 'mqtt broker: packet refused' && l.reason === 'too-large'), 'the cut-off in the log');
  }, 90 * S);

  it('TLS only, logins from the secrets file: the right login publishes over mqtts; a wrong one is refused, logged without its password and counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'park-broker-tls-'));
    dirs.push(dir);
    const { cert, key } = selfSignedCert();
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
    writeFileSync(join(dir, 'secrets.yaml'), stringify({ mqtt: { users: hashesOf({ [device]: PASSWORD }) } }), { mode: 0o600 });
    const tlsPort = String(await freePort());
    const { env } = await gateway({
      PARK_SECRETS_FILE: join(dir, 'secrets.yaml'),
      MQTT_PLAIN: 'false',
      MQTT_TLS_PORT: tlsPort,
      MQTT_TLS_CERT_FILE: join(dir, 'cert.pem'),
      MQTT_TLS_KEY_FILE: join(dir, 'key.pem'),
    });
    const gw = gateways.at(-1)!;
    const tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
    const tls = { ca: cert }; // the self-signed certificate is the trust anchor: the server is verified

    const plain = await tryConnect(`mqtt://127.0.0.1:${env.MQTT_PORT}`, { username: device, password: PASSWORD });
    clients.push(plain.client);
    expect(plain).toMatchObject({ ok: false, code: 'ECONNREFUSED' });

    const wrong = await tryConnect(tlsUrl, { ...tls, username: device, password: 'not-the-password', clientId: 'wrong-one' });
    clients.push(wrong.client);
    expect(wrong).toMatchObject({ ok: false, code: 4 });

    const right = await tryConnect(tlsUrl, { ...tls, username: device, password: PASSWORD });
    clients.push(right.client);
    expect(right.ok).toBe(true);
    const codes = (site.devices.find((d) => d.id === device) as { channels: string[] }).channels;
    await right.client.publishAsync(dataTopic(registry.inputs.mqtt.topicPrefix, site.id, device), JSON.stringify({ ts: Date.now(), values: { [codes[0]!]: 0.5 } }), { qos: 1 });

    const refusal = await waitFor(() => gw.logs.find((l) => l.msg === 'mqtt broker: connect refused' && l.clientId === 'wrong-one'), 'the refusal in the log');
    expect(refusal).toMatchObject({ reason: 'bad-password', address: expect.stringMatching(/127\.0\.0\.1/) });
    expect(JSON.stringify(gw.logs)).not.toContain('not-the-password');
    expect(JSON.stringify(gw.logs)).not.toContain(PASSWORD);
    const metrics = await (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/metrics`)).text();
    expect(metrics).toMatch(/park_mqtt_denied_total\{action="connect",reason="bad-password"\} 1/);
  }, 90 * S);

  it("MQTT_ALLOW_ANONYMOUS=true: anyone connects, with a loud warning at start; the gateway's client id stays reserved", async () => {
    const { gw, env } = await gateway({ MQTT_ALLOW_ANONYMOUS: 'true' });
    expect(gw.logs.some((l) => l.level === 40 && /^MQTT_ALLOW_ANONYMOUS=true: THE EMBEDDED BROKER ACCEPTS ANY CLIENT/.test(l.msg))).toBe(true);
    const url = `mqtt://127.0.0.1:${env.MQTT_PORT}`;
    const anon = await tryConnect(url);
    const asGateway = await tryConnect(url, { clientId: registry.inputs.mqtt.clientId });
    clients.push(anon.client, asGateway.client);
    expect(anon.ok).toBe(true);
    expect(asGateway).toMatchObject({ ok: false, code: 2 });
  }, 90 * S);
});
