import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadiness, influxPing, mqttConnected, spoolNotFull } from './readiness.js';
import { trackConnections } from './hooks.js';

/** a real HTTP server on 127.0.0.1 standing in for InfluxDB's /ping */
async function fakeInflux(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; requests: IncomingMessage[]; server: Server }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('influxPing', () => {
  it('is ok on 204, caches the answer for ttlMs and shares one request between concurrent checks', async () => {
    const influx = await fakeInflux((_, res) => res.writeHead(204).end());
    let clock = 1000;
    const check = influxPing(influx.url, { ttlMs: 5000, now: () => clock });
    const [a, b] = await Promise.all([check.check(), check.check()]);
    expect(a).toEqual({ ok: true, detail: `InfluxDB at ${influx.url} answered /ping (204)` });
    expect(b).toEqual(a);
    expect(influx.requests.map((r) => r.url)).toEqual(['/ping']);
    clock += 4999;
    await check.check();
    expect(influx.requests).toHaveLength(1);
    clock += 1;
    await check.check();
    expect(influx.requests).toHaveLength(2);
  });

  it('fails on another status, naming it', async () => {
    const influx = await fakeInflux((_, res) => res.writeHead(500).end('boom'));
    expect(await influxPing(influx.url).check()).toEqual({ ok: false, detail: `InfluxDB at ${influx.url} answered /ping with HTTP 500` });
  });

  it('gives up after timeoutMs when InfluxDB does not answer', async () => {
    const influx = await fakeInflux(() => undefined); // accepts and never answers
    const started = Date.now();
    const r = await influxPing(influx.url, { timeoutMs: 300 }).check();
    expect(r).toEqual({ ok: false, detail: `InfluxDB at ${influx.url}: no answer to /ping within 300 ms` });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('names a refused connection', async () => {
    const influx = await fakeInflux((_, res) => res.writeHead(204).end());
    await new Promise((r) => influx.server.close(r));
    expect(await influxPing(influx.url).check()).toEqual({ ok: false, detail: `InfluxDB at ${influx.url}: /ping failed: ECONNREFUSED` });
  });

  it('sends URL credentials as basic auth and never shows them', async () => {
    const influx = await fakeInflux((_, res) => res.writeHead(204).end());
    const withCreds = influx.url.replace('http://', 'http://park:s%40cret@');
    const r = await influxPing(`${withCreds}/prefix`).check();
    expect(r.detail).toBe(`InfluxDB at ${influx.url}/prefix answered /ping (204)`);
    expect(influx.requests[0]?.url).toBe('/prefix/ping');
    expect(influx.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('park:s@cret').toString('base64')}`);
  });
});

describe('createReadiness', () => {
  it('is ready only when every check passes and names the failed ones', async () => {
    const conn = trackConnections(() => 10_000);
    const spool = { full: () => true, bytes: () => 123 };
    const r = createReadiness([{ name: 'a', check: () => ({ ok: true, detail: 'fine' }) }, mqttConnected(conn.state, true), spoolNotFull(spool)]);
    const report = await r.check();
    expect(report.ready).toBe(false);
    expect(report.failed).toEqual(['mqtt', 'spool']);
    expect(report.checks).toEqual({
      a: { ok: true, detail: 'fine' },
      mqtt: { ok: false, detail: 'MQTT input has not connected to its broker yet' },
      spool: { ok: false, detail: 'spool is full (123 bytes); new points would be dropped' },
    });
    conn.events.connected({ input: 'mqtt', clientId: 'gw', url: 'mqtt://127.0.0.1:1', reconnect: false, sessionPresent: false });
    spool.full = () => false;
    // connected, but until the SUBACK a broker without a session for the input drops what devices publish
    expect(await r.check()).toMatchObject({ ready: false, failed: ['mqtt'], checks: { mqtt: { ok: false, detail: 'MQTT input gw connected to mqtt://127.0.0.1:1, its subscription not granted yet' } } });
    conn.events.subscribed?.({ input: 'mqtt', clientId: 'gw' });
    expect(await r.check()).toMatchObject({ ready: true, failed: [] });
    conn.events.disconnected({ input: 'mqtt', clientId: 'gw', url: 'mqtt://127.0.0.1:1' });
    conn.events.connected({ input: 'mqtt', clientId: 'gw', url: 'mqtt://127.0.0.1:1', reconnect: true, sessionPresent: true });
    expect(await r.check()).toMatchObject({ ready: false, failed: ['mqtt'] }); // each connection subscribes again
  });

  it('an MQTT check without MQTT devices passes', async () => {
    expect(await mqttConnected(trackConnections().state, false).check()).toEqual({ ok: true, detail: 'no MQTT devices in the registry' });
  });

  it('a check that throws or hangs fails instead of blocking', async () => {
    const r = createReadiness(
      [
        { name: 'throws', check: () => Promise.reject(new Error('disk gone')) },
        { name: 'hangs', check: () => new Promise(() => undefined) },
      ],
      { timeoutMs: 200 },
    );
    expect(await r.check()).toEqual({
      ready: false,
      failed: ['throws', 'hangs'],
      checks: { throws: { ok: false, detail: 'check failed: disk gone' }, hangs: { ok: false, detail: 'no answer within 200 ms' } },
    });
  });
});
