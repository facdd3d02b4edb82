import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamSchema } from '../../../gateway/registry/upstream.js';
import { UpstreamSimulator } from '../../../simulators/hj212/upstream.js';
import { createForwarder, type DataPacket, type Forwarder } from './index.js';

const MN = '88888880000001';
const packet = (v: number): DataPacket => ({ site: 'WP-01', cn: '2011', at: Date.now(), fields: { DataTime: '20261128120000' }, factors: { w01018: { Rtd: String(v), Flag: 'N' } } });

describe('HJ 212 forwarder: resend until 9014', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(): Promise<{ sim: UpstreamSimulator; fwd: Forwarder }> {
    const dir = mkdtempSync(join(tmpdir(), 'hj212-link-'));
    const sim = new UpstreamSimulator({ accounts: { [MN]: '123456' } });
    const port = await sim.start();
    const upstream = UpstreamSchema.parse({ id: 'city', host: '127.0.0.1', port, sites: [{ site: 'WP-01', mn: MN, pw: '123456' }], ackTimeoutMs: 150, retries: 2, maxBackoffMs: 400 });
    const fwd = createForwarder({ registry: { upstreams: [upstream], sites: [{ id: 'WP-01', kind: 'wastewater_pipe' }] }, dataDir: dir, reconnect: { initialMs: 50, maxMs: 200 } });
    fwd.start();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => sim.stop(), () => fwd.stop());
    return { sim, fwd };
  }

  it('an unacknowledged packet is resent with the same QN past the retries, with backoff, and the next waits for it', async () => {
    const { sim, fwd } = await setup();
    sim.dropAcks = true;
    fwd.send('city', [packet(1), packet(2)], true);
    // 1 send + 2 retries at the timeout, then more resends with backoff: never dropped
    await sim.until(() => (sim.received[0]?.duplicates ?? 0) >= 4, 10_000);
    expect(sim.received.map((p) => p.cp)).toEqual([expect.stringContaining('w01018-Rtd=1,')]);
    expect(fwd.pending('city')).toBe(2);
    sim.dropAcks = false;
    await sim.until(() => sim.received.length === 2);
    await expect.poll(() => fwd.pending('city')).toBe(0);
    expect(sim.received[1]!.duplicates).toBe(0);
    expect(fwd.counters('city')!.acked).toBe(2);
  });

  it('packets without the A bit are sent once with Flag 4 and kept nowhere', async () => {
    const { sim, fwd } = await setup();
    await expect.poll(() => fwd.connected('city')).toBe(true);
    fwd.send('city', [packet(7)], false);
    await sim.until(() => sim.replies.length === 1);
    expect(sim.replies[0]).toMatchObject({ cn: '2011', mn: MN });
    expect(sim.received).toEqual([]);
    expect(fwd.pending('city')).toBe(0);
  });
});
