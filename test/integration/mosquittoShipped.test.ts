import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { runMqttInput, type RunningMqttInput } from '../helpers/mqtt.js';
import { makeTlsFiles, type TlsFiles } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A private Mosquitto started with the shipped gateway/broker/mosquitto.conf and the password file and
 * ACL the credentials tool issues for the shipped park, plus a TLS listener with a throw-away CA.
 */
const park = loadRegistry();
const prefix = park.inputs.mqtt.topicPrefix;
const topic = (site: string, device: string) => `${prefix}/${site}/${device}/data`;
const payload = (value: number) => JSON.stringify({ ts: Date.now(), values: { a24088: value } });

let broker: RunningMosquitto;
let tls: TlsFiles;
let tlsDir: string;
const clients: MqttClient[] = [];
const inputs: RunningMqttInput[] = [];

beforeAll(async () => {
  tlsDir = mkdtempSync(join(tmpdir(), 'park-tls-'));
  tls = makeTlsFiles(tlsDir);
  broker = await startMosquitto({ shipped: true, registry: park, tls: { ca: tls.ca, cert: tls.serverCert, key: tls.serverKey } });
});
afterEach(async () => {
  for (const i of inputs.splice(0)) i.stop();
  for (const c of clients.splice(0)) await c.endAsync(true);
});
afterAll(async () => {
  await broker?.close();
  rmSync(tlsDir, { recursive: true, force: true });
});

const login = (user: string) => ({ username: user, password: broker.credentials!.users.get(user)! });
const gatewayLogin = () => broker.credentials!.gateway;

/** Connects once, no retries; resolves with the client or rejects with the CONNACK's refusal. */
async function connect(url: string, o: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...o });
  clients.push(c);
  return c;
}
/** The CONNACK return code of a refused connect (MQTT 3.1.1 §3.2.2.3: 4 bad user name or password, 5 not authorised). */
async function refusal(url: string, o: IClientOptions): Promise<number | undefined> {
  try {
    const c = await connect(url, o);
    return c.connected ? 0 : undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

/** The gateway's MQTT input on the broker with its own login; resolves once its subscription is granted. */
async function gateway(url = broker.url, extra: { ca?: Buffer } = {}): Promise<RunningMqttInput> {
  // the registry's client id as it is (runMqttInput would otherwise add a random suffix)
  const input = runMqttInput(park, url, { clientIdSuffix: '' }, { ...gatewayLogin(), ...extra });
  inputs.push(input);
  await input.subscribed();
  return input;
}

describe('shipped Mosquitto configuration with the generated password file and ACL', () => {
  it('refuses wrong and unknown credentials and anonymous clients at CONNECT, over TCP and TLS', async () => {
    const ca = readFileSync(tls.ca);
    for (const [url, extra] of [[broker.url, {}], [broker.tlsUrl!, { ca }]] as const) {
      expect(await refusal(url, { ...extra, username: 'AQ-01-V', password: 'not-the-password' })).toBe(5);
      expect(await refusal(url, { ...extra, username: 'no-such-device', password: 'x' })).toBe(5);
      expect(await refusal(url, { ...extra, username: gatewayLogin().username, password: login('AQ-01-V').password })).toBe(5);
      // anonymous: refused before it could SUBSCRIBE to `#`
      expect(await refusal(url, { ...extra })).toBe(5);
      // the right password is accepted: the refusals above are about the credentials
      expect(await refusal(url, { ...extra, ...login('AQ-01-V') })).toBe(0);
    }
  });

  it("a device cannot publish to another site's topic: Mosquitto drops it and closes the device's connection; the gateway receives nothing of it", async () => {
    const gw = await gateway();
    // another site's device topic, another device's topic in its own site, its own device under another site
    for (const forbidden of [topic('AQ-02', 'AQ-02-V'), topic('AQ-01', 'AQ-02-V'), topic('AQ-02', 'AQ-01-V'), `${prefix}/AQ-01/AQ-01-V/cmd`]) {
      const dev = await connect(broker.url, login('AQ-01-V'));
      const closed = new Promise<void>((r) => dev.once('close', () => r()));
      // Mosquitto 2.0 answers a denied QoS 1 PUBLISH with its PUBACK (3.1.1 has no negative PUBACK) and then closes the connection
      dev.publish(forbidden, payload(666), { qos: 1 });
      await closed;
    }
    // then its own topic on a new connection: the gateway gets that one, and nothing of the above
    const dev = await connect(broker.url, login('AQ-01-V'));
    await dev.publishAsync(topic('AQ-01', 'AQ-01-V'), payload(1.5), { qos: 1 });
    await waitFor(() => gw.readings.length > 0, 'the reading from the device’s own topic');
    expect(gw.readings.map((r) => [r.site, r.device, r.value])).toEqual([['AQ-01', 'AQ-01-V', 1.5]]);
    expect(gw.deadLetters.total()).toBe(0);
  });

  it('a device subscribed to `#` receives nothing: the ACL gives devices no read access', async () => {
    const gw = await gateway();
    const spy = await connect(broker.url, login('AQ-03-V'));
    const seen: string[] = [];
    spy.on('message', (t) => seen.push(t));
    await spy.subscribeAsync('#', { qos: 1 }); // Mosquitto 2.0.11 grants the filter and checks read access per message
    const dev = await connect(broker.url, login('AQ-01-V'));
    await dev.publishAsync(topic('AQ-01', 'AQ-01-V'), payload(3.5), { qos: 1 });
    await waitFor(() => gw.readings.length > 0, 'the gateway to receive the reading');
    // a PUBACK round trip on the spy's own connection: whatever Mosquitto had queued for it has arrived by then
    await spy.publishAsync(topic('AQ-03', 'AQ-03-V'), payload(4.5), { qos: 1 });
    await waitFor(() => gw.readings.length > 1, 'the spy’s own reading at the gateway');
    expect(seen).toEqual([]);
  });

  it("a device connecting with the gateway's client id does not cut the gateway off (the client id is the username)", async () => {
    const gw = await gateway();
    const intruder = await connect(broker.url, { ...login('AQ-02-V'), clientId: park.inputs.mqtt.clientId, clean: false });
    // whatever it tried, it is AQ-02-V to the broker: the gateway's connection and session stay
    await intruder.publishAsync(topic('AQ-02', 'AQ-02-V'), payload(2.5), { qos: 1 });
    await waitFor(() => gw.readings.length > 0, 'the reading sent after the takeover attempt');
    expect(gw.readings.map((r) => [r.device, r.value])).toEqual([['AQ-02-V', 2.5]]);
    expect(gw.logs.filter((l) => l.msg === 'mqtt input: connection closed')).toEqual([]);
    expect(gw.logs.filter((l) => l.msg === 'mqtt input: connected')).toHaveLength(1);
    expect(broker.log()).not.toMatch(new RegExp(`Client ${park.inputs.mqtt.clientId} already connected`));
  });

  it('the gateway logs in with username and password over TLS (trusting the park CA) and receives an authorised device’s reading', async () => {
    const gw = await gateway(broker.tlsUrl!, { ca: readFileSync(tls.ca) });
    const dev = await connect(broker.tlsUrl!, { ...login('WP-10-DY'), ca: readFileSync(tls.ca) });
    const device = park.sites.find((s) => s.id === 'WP-10')!.devices.find((d) => d.id === 'WP-10-DY')!;
    const code = device.kind === 'mqtt' ? device.channels[0]! : '';
    await dev.publishAsync(topic('WP-10', 'WP-10-DY'), JSON.stringify({ ts: Date.now(), values: { [code]: 7.25 } }), { qos: 1 });
    await waitFor(() => gw.readings.length > 0, 'the reading over TLS');
    expect(gw.readings.map((r) => [r.site, r.device, r.pollutant, r.value])).toEqual([['WP-10', 'WP-10-DY', code, 7.25]]);
    // the password never shows in what the input logs
    expect(JSON.stringify(gw.logs)).not.toContain(gatewayLogin().password);
  });

  it('a client that does not trust the broker’s CA does not connect over TLS', async () => {
    const err = await connect(broker.tlsUrl!, gatewayLogin()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/self[- ]signed|unable to (get|verify)/i);
  });

  it('a publish larger than max_packet_size is refused as it arrives: the connection is closed, nothing is delivered', async () => {
    const gw = await gateway();
    const dev = await connect(broker.url, login('AQ-04-V'));
    const closed = new Promise<void>((r) => dev.once('close', () => r()));
    dev.publish(topic('AQ-04', 'AQ-04-V'), Buffer.alloc(1024 * 1024, 0x20), { qos: 1 });
    await closed;
    const again = await connect(broker.url, login('AQ-04-V'));
    await again.publishAsync(topic('AQ-04', 'AQ-04-V'), payload(5.5), { qos: 1 });
    await waitFor(() => gw.readings.length > 0, 'the normal-sized reading after the refused one');
    expect(gw.readings.map((r) => r.value)).toEqual([5.5]);
    expect(gw.deadLetters.total()).toBe(0);
  });

  it('a retained publish is refused (retain_available false): the device is disconnected, the gateway gets nothing of it', async () => {
    const gw = await gateway();
    const dev = await connect(broker.url, login('AQ-05-V'));
    const closed = new Promise<void>((r) => dev.once('close', () => r()));
    dev.publish(topic('AQ-05', 'AQ-05-V'), payload(9.5), { qos: 1, retain: true });
    await closed;
    const again = await connect(broker.url, login('AQ-05-V'));
    await again.publishAsync(topic('AQ-05', 'AQ-05-V'), payload(6.5), { qos: 1 });
    await waitFor(() => gw.readings.length > 0, 'the reading published without retain');
    expect(gw.readings.map((r) => r.value)).toEqual([6.5]);
  });
});

describe('shipped Mosquitto with a TLS listener that requires client certificates', () => {
  let strict: RunningMosquitto;
  beforeAll(async () => {
    strict = await startMosquitto({ shipped: true, registry: park, tls: { ca: tls.ca, cert: tls.serverCert, key: tls.serverKey, requireCertificate: true } });
  });
  afterAll(async () => strict?.close());

  it('the gateway with MQTT_CERT_FILE / MQTT_KEY_FILE and its login connects and receives; without a certificate it cannot connect', async () => {
    const ca = readFileSync(tls.ca);
    const logins = strict.credentials!;
    const refused = await mqtt
      .connectAsync(strict.tlsUrl!, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ca, ...logins.gateway })
      .then((c) => (clients.push(c), undefined), (e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    const input = runMqttInput(park, strict.tlsUrl!, { clientIdSuffix: '' }, { ...logins.gateway, ca, cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) });
    inputs.push(input);
    await input.subscribed();
    const dev = await connect(strict.tlsUrl!, { username: 'AQ-06-V', password: logins.users.get('AQ-06-V')!, ca, cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) });
    await dev.publishAsync(topic('AQ-06', 'AQ-06-V'), payload(8.5), { qos: 1 });
    await waitFor(() => input.readings.length > 0, 'the reading over mutual TLS');
    expect(input.readings.map((r) => [r.device, r.value])).toEqual([['AQ-06-V', 8.5]]);
  });
});

describe('shipped Mosquitto with one login per station', () => {
  let stations: RunningMosquitto;
  beforeAll(async () => {
    stations = await startMosquitto({ shipped: true, registry: park, perStation: true });
  });
  afterAll(async () => stations?.close());

  it("a station's login (its site id) publishes for its own devices only; a device id is no login then", async () => {
    const logins = stations.credentials!;
    expect([...logins.users.keys()]).toContain('AQ-01');
    expect(logins.users.has('AQ-01-V')).toBe(false);
    const input = runMqttInput(park, stations.url, { clientIdSuffix: '' }, logins.gateway);
    inputs.push(input);
    await input.subscribed();
    expect(await refusal(stations.url, { username: 'AQ-01-V', password: 'x' })).toBe(5);
    const other = await connect(stations.url, { username: 'AQ-01', password: logins.users.get('AQ-01')! });
    const closed = new Promise<void>((r) => other.once('close', () => r()));
    other.publish(topic('AQ-02', 'AQ-02-V'), payload(66), { qos: 1 });
    await closed;
    const station = await connect(stations.url, { username: 'AQ-01', password: logins.users.get('AQ-01')! });
    await station.publishAsync(topic('AQ-01', 'AQ-01-V'), payload(1.25), { qos: 1 });
    await waitFor(() => input.readings.length > 0, "the station's reading");
    expect(input.readings.map((r) => [r.site, r.value])).toEqual([['AQ-01', 1.25]]);
  });
});
