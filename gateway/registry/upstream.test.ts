import { describe, expect, it } from 'vitest';
import { loadRegistry } from './loader.js';
import { RegistrySchema } from './schema.js';
import { withUpstreamPws } from './upstream.js';

describe('registry upstreams', () => {
  it('the park forwards WP-01, WP-02 and AQ-01 to the city platform with the standard timeouts (HJ 212-2017 §6.5 Table 1)', () => {
    const [city, ...others] = loadRegistry().upstreams;
    expect(others).toEqual([]);
    expect(city).toMatchObject({ id: 'city', host: '127.0.0.1', ackTimeoutMs: 10_000, retries: 3 });
    expect(city!.sites.map((s) => s.site)).toEqual(['WP-01', 'WP-02', 'AQ-01']);
    expect(city!.commands.realtime).toEqual({ enabled: true, ack: true, intervalMs: 30_000 });
    expect(city!.st).toEqual({ wastewater_pipe: '32', rain_outlet: '32', air_fence: '27', weather: '22' });
  });

  it('refuses an unknown site, a site or MN named twice, a PW in the registry, and a real-time interval outside 30..3600 s', () => {
    const doc = structuredClone(loadRegistry()) as unknown as { upstreams: Array<Record<string, unknown>> };
    doc.upstreams[0]!.sites = [
      { site: 'WP-99', mn: 'A1', pw: '123456' },
      { site: 'WP-01', mn: 'A2', pw: '123456' },
      { site: 'WP-01', mn: 'A2', pw: '123456' },
    ];
    doc.upstreams[0]!.commands = { realtime: { intervalMs: 10_000 } };
    const out = RegistrySchema.safeParse(doc);
    expect(out.success).toBe(false);
    const issues = out.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        'upstreams.0.sites.0.site: unknown site "WP-99"',
        'upstreams.0.sites.2.site: site "WP-01" named twice for upstream city',
        'upstreams.0.sites.2.mn: MN "A2" given to two sites of upstream city',
        'upstreams.0.sites.0.pw: an upstream PW does not belong in the registry: put it in the secrets file (hj212.upstreams.city.A1)',
        expect.stringMatching(/^upstreams\.0\.commands\.realtime\.intervalMs: /),
      ]),
    );
  });
});

describe('withUpstreamPws: upstream PWs come from the secrets file (issue 11)', () => {
  it("fills each site's PW from hj212.upstreams[<upstream id>][<MN>] and names the sites without one", () => {
    const [city] = loadRegistry().upstreams;
    const { upstreams, missing, plain } = withUpstreamPws([city!], { city: { '88888880000001': 'from-secrets-1', '88888880000002': 'from-secrets-2' } });
    expect(upstreams[0]!.sites.map((s) => s.pw)).toEqual(['from-secrets-1', 'from-secrets-2', undefined]);
    expect(missing).toEqual(['city/AQ-01 (MN 88888880000101)']);
    expect(plain).toEqual([]);
    // the shipped park has none of its own
    expect(city!.sites.every((s) => s.pw === undefined)).toBe(true);
  });
});
