import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunningGateway, type RunningGateway } from '../helpers/runningGateway.js';


describe('patrol routes in the running gateway', () => {
  let rg: RunningGateway;

  beforeAll(async () => {
    rg = await startRunningGateway('patrol');
  }, 120_000);
  afterAll(async () => {
    await rg?.close();
  });

  it('serves /api/patrols over HTTP to signed-in users only, from the tickets\' database', async () => {
    const url = rg.url('/api/patrols');
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: rg.auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sheets: [], total: 0, limit: 20, offset: 0 });
    expect((await fetch(`${url}/P-20261127-1630`, { headers: rg.auth })).status).toBe(404);
  });
});
