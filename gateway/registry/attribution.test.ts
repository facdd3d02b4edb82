import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_REGISTRY_PATH, loadRegistry, parseRegistry } from './loader.js';

describe('registry: enterprises for odor source attribution', () => {
  const r = loadRegistry();

  it('places every enterprise within 400 m of its own pipe outlet and lists what it emits', () => {
    for (const e of r.enterprises) {
      const pipe = r.sites.find((s) => s.kind === 'wastewater_pipe' && s.enterprise === e.id)!;
      expect(e.location, e.id).toBeDefined();
      // equirectangular metres at the park's latitude, enough for a plausibility bound
      const dy = (e.location!.lat - pipe.location.lat) * 111_195;
      const dx = (e.location!.lon - pipe.location.lon) * 111_195 * Math.cos((pipe.location.lat * Math.PI) / 180);
      expect(Math.hypot(dx, dy), e.id).toBeLessThan(400);
    }
    // every key air emitter (重点涉气企业) has an odor/VOC emission listed
    for (const e of r.enterprises.filter((x) => x.keyAirEmitter)) expect(e.emissions.length, e.id).toBeGreaterThan(0);
    expect(r.attribution).toMatchObject({ enabled: true, calmMs: 0.5, verified: false });
  });

  it('refuses an emission of a pollutant outside the catalogue, and a weight above 1, naming the path', () => {
    const doc = parse(readFileSync(DEFAULT_REGISTRY_PATH, 'utf8')) as { enterprises: { emissions?: unknown[] }[] };
    doc.enterprises[0]!.emissions = [{ pollutant: 'a21099', weight: 1 }];
    doc.enterprises[1]!.emissions = [{ pollutant: 'a21028', weight: 2 }];
    let err: unknown;
    try {
      parseRegistry(doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(problems).toContain('enterprises[0].emissions[0].pollutant: pollutant a21099 is not in the pollutant catalogue');
    expect(problems).toContain('enterprises[1].emissions[0].weight');
  });
});
