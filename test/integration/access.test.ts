import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway, type GatewayOptions } from '../../gateway/app.js';
import { CHEAP } from '../../gateway/auth/testing.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

const ADMIN = 'integration-admin-token-0123456789';
const PASSWORD = 'a chief password, long enough';

describe('people and access through the running gateway', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let gw: Gateway | undefined;
  let dataDir: string;
  const logLines: string[] = [];
  let options: GatewayOptions;

  const url = (path: string) => `http://127.0.0.1:${gw!.httpPort}${path}`;
  const admin = { authorization: `Bearer ${ADMIN}` };
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-access-'));
    influx = await startInflux();
    broker = await startBroker();
    const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    options = { registry: loadRegistry(), mqttUrl: broker.url, influx, httpPort: 0, hj212Port: 0, dataDir, log, people: { adminToken: ADMIN, hashCost: CHEAP } };
    gw = await startGateway(options);
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await broker?.close();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes PARK_ADMIN_TOKEN, lets the admin create a chief who logs in, and keeps users and sessions across a restart', async () => {
    expect((await (await fetch(url('/api/me'), { headers: admin })).json()) as object).toMatchObject({ kind: 'admin-token', role: 'admin' });
    const created = await fetch(url('/api/users'), { method: 'POST', headers: { ...admin, ...json }, body: JSON.stringify({ username: 'chief.zhou', role: 'chief', password: PASSWORD }) });
    expect(created.status).toBe(201);
    const login = await fetch(url('/api/login'), { method: 'POST', headers: json, body: JSON.stringify({ username: 'chief.zhou', password: PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(url('/api/me'), { headers: { cookie } })).status).toBe(200);

    await gw!.stop();
    gw = undefined;
    gw = await startGateway(options);
    const me = await fetch(url('/api/me'), { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ kind: 'session', username: 'chief.zhou', role: 'chief' });
    // the registry's officers are users; the audit log kept what happened before the restart
    expect(gw.access.users.byUsername('OF-01')).toMatchObject({ role: 'officer', officer: 'OF-01' });
    expect(gw.access.audit.list({ target: 'user:chief.zhou' }).entries.map((e) => e.action)).toEqual(['login', 'user.create']);
    // neither the admin token, the password nor the session appear in the logs
    const logs = logLines.join('\n');
    expect(logs).not.toContain(ADMIN);
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(cookie.split('=')[1]!);
  }, 60_000);

  it('answers /healthz without credentials and refuses a foreign Host and an oversized body', async () => {
    expect((await fetch(url('/healthz'))).status).toBe(200);
    const big = await fetch(url('/api/login'), { method: 'POST', headers: json, body: JSON.stringify({ username: 'x', password: 'y'.repeat(100_000) }) });
    expect(big.status).toBe(413);
    expect(big.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
