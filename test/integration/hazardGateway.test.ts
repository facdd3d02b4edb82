import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunningGateway, type RunningGateway } from '../helpers/runningGateway.js';
import type { Ticket } from '../../processor/tickets/types.js';
import type { PhotoEvidence } from '../../processor/hazards/types.js';
import { pngImage } from '../helpers/images.js';


describe('hazard routes in the running gateway', () => {
  let rg: RunningGateway;

  beforeAll(async () => {
    rg = await startRunningGateway('hazard');
  }, 120_000);
  afterAll(async () => {
    await rg?.close();
  });

  it('keeps a reported hazard’s photo in <dataDir>/photos by its SHA-256; the larger body limit and multipart stay on the upload routes', async () => {
    const png = pngImage(40, 30);
    const form = new FormData();
    form.append('type', 'pipe-damage');
    form.append('site', 'WP-03');
    form.append('description', '排口上游管道接口渗漏');
    form.append('photos', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'pipe.png');
    const res = await fetch(rg.url('/api/hazards'), { method: 'POST', headers: rg.auth, body: form });
    expect(res.status).toBe(201);
    const { ticket } = (await res.json()) as { ticket: Ticket };
    const photo = ticket.evidence.find((e) => e.kind === 'photo')!.data as PhotoEvidence;
    expect(readFileSync(join(rg.dataDir, 'photos', photo.id))).toEqual(png);
    expect(existsSync(join(rg.dataDir, 'photos', 'pipe.png'))).toBe(false);
    const img = await fetch(rg.url(`/api/tickets/${ticket.id}/photos/${photo.id}`), { headers: rg.auth });
    expect([img.status, img.headers.get('content-type')]).toEqual([200, 'image/png']);

    // elsewhere the global 64 KiB limit holds, and multipart is not parsed
    const big = await fetch(rg.url(`/api/tickets/${ticket.id}/transitions`), { method: 'POST', headers: { ...rg.auth, 'content-type': 'application/json' }, body: JSON.stringify({ to: 'acknowledged', note: 'x'.repeat(100_000) }) });
    expect(big.status).toBe(413);
    const multi = await fetch(rg.url(`/api/tickets/${ticket.id}/transitions`), { method: 'POST', headers: rg.auth, body: form });
    expect(multi.status).toBe(415);
  });
});
