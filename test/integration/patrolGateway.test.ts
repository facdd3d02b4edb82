import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { CHEAP } from '../../gateway/auth/testing.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

const ADMIN = 'integration-admin-token-patrol-0123456789';

describe('patrol routes in the running gateway', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let gw: Gateway | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-patrol-'));
    influx = await startInflux();
    broker = await startBroker();
    gw = await startGateway({ registry: loadRegistry(), mqttUrl: broker.url, influx, httpPort: 0, hj212Port: 0, dataDir, log: pino({ level: 'silent' }), people: { adminToken: ADMIN, hashCost: CHEAP } });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await broker?.close();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /api/patrols over HTTP to signed-in users only, from the tickets\' database', async () => {
    const url = `http://127.0.0.1:${gw!.httpPort}/api/patrols`;
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sheets: [], total: 0, limit: 20, offset: 0 });
    expect((await fetch(`${url}/P-20261127-1630`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404);
  });
});
