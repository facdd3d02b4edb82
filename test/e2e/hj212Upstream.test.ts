import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamLine } from '../../simulators/hj212/upstream.js';
import { fastPark, startPark, type RunningPark } from '../helpers/park.js';

/** The park as the demo runs it: every simulator, the gateway, and the city platform's stand-in receiving HJ 212-2017. */
describe('the demo park forwards to the upstream platform', () => {
  let park: RunningPark;
  const registry = fastPark();

  beforeAll(async () => {
    park = await startPark(registry);
  }, 120_000);
  afterAll(async () => park?.close());

  it('the upstream receives real-time 2011 packets for every forwarded site, each acknowledged and none refused', async () => {
    const city = park.sims.upstreams.city!;
    const forwarded = registry.upstreams[0]!.sites;
    // RtdInterval 30 s (the standard's minimum): two rounds of real-time packets
    await city.until(() => forwarded.every((s) => city.received.filter((p) => p.cn === '2011' && p.mn === s.mn).length >= 2), 90_000);
    expect(city.refused).toEqual([]);
    for (const s of forwarded) {
      const p = city.received.find((x) => x.cn === '2011' && x.mn === s.mn)!;
      expect(p.flag).toBe(5);
      expect(p.cp).toMatch(/^DataTime=\d{14};/);
    }
    // WP-01's packet carries its COD and flow with their flags; the pipe is ST 32, the fence-line VOC station ST 27
    const wp = city.received.find((p) => p.mn === forwarded.find((s) => s.site === 'WP-01')!.mn)!;
    expect(wp.cp).toMatch(/w01018-Rtd=[\d.]+,w01018-Flag=N/);
    expect(wp.cp).toMatch(/w00000-Rtd=[\d.]+,w00000-Flag=N/);
    expect(wp.st).toBe('32');
    expect(city.received.find((p) => p.mn === forwarded.find((s) => s.site === 'AQ-01')!.mn)!.st).toBe('27');
    // acknowledged packets leave the gateway's outbox
    await expect.poll(() => park.gw.hj212Forward!.forwarder.pending('city'), { timeout: 15_000 }).toBe(0);
    expect(upstreamLine('city', city, 0)).toMatch(/^upstream city: \d+ packets received \(2011×\d+ 2051×\d+ 2061×0 2031×0\), \d+ resent, 0 refused · outbox 0 pending$/);
  }, 120_000);
});
