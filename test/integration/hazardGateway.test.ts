import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { CHEAP } from '../../gateway/auth/testing.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Ticket } from '../../processor/tickets/types.js';
import type { PhotoEvidence } from '../../processor/hazards/types.js';
import { startBroker } from '../helpers/broker.js';
import { pngImage } from '../helpers/images.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

const ADMIN = 'integration-admin-token-hazard-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };

describe('hazard routes in the running gateway', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let gw: Gateway | undefined;
  let dataDir: string;
  const url = (path: string) => `http://127.0.0.1:${gw!.httpPort}${path}`;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-hazard-'));
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

  it('keeps a reported hazard’s photo in <dataDir>/photos by its SHA-256; the larger body limit and multipart stay on the upload routes', async () => {
    const png = pngImage(40, 30);
    const form = new FormData();
    form.append('type', 'pipe-damage');
    form.append('site', 'WP-03');
    form.append('description', '排口上游管道接口渗漏');
    form.append('photos', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'pipe.png');
    const res = await fetch(url('/api/hazards'), { method: 'POST', headers: auth, body: form });
    expect(res.status).toBe(201);
    const { ticket } = (await res.json()) as { ticket: Ticket };
    const photo = ticket.evidence.find((e) => e.kind === 'photo')!.data as PhotoEvidence;
    expect(readFileSync(join(dataDir, 'photos', photo.id))).toEqual(png);
    expect(existsSync(join(dataDir, 'photos', 'pipe.png'))).toBe(false);
    const img = await fetch(url(`/api/tickets/${ticket.id}/photos/${photo.id}`), { headers: auth });
    expect([img.status, img.headers.get('content-type')]).toEqual([200, 'image/png']);

    // elsewhere the global 64 KiB limit holds, and multipart is not parsed
    const big = await fetch(url(`/api/tickets/${ticket.id}/transitions`), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ to: 'acknowledged', note: 'x'.repeat(100_000) }) });
    expect(big.status).toBe(413);
    const multi = await fetch(url(`/api/tickets/${ticket.id}/transitions`), { method: 'POST', headers: auth, body: form });
    expect(multi.status).toBe(415);
  });
});
