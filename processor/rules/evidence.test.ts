import { describe, expect, it } from 'vitest';
import { createEvidenceBuffer } from './evidence.js';
import { reading } from './testing.js';

const at = (site: string, pollutant: string, value: number, ts: number) => ({ ...reading(site, pollutant, value), ts });

describe('evidence buffer', () => {
  it('keeps the newest maxPerSeries readings of a series, oldest first, however many arrived', () => {
    const ev = createEvidenceBuffer({ maxPerSeries: 5, now: () => 1000 });
    for (let i = 1; i <= 23; i++) ev.recordBatch([at('WP-01', 'w01018', i, 900 + i)]);
    expect(ev.window('WP-01', 'w01018').map((r) => r.value)).toEqual([19, 20, 21, 22, 23]);
    expect(ev.window('WP-01', 'w21003')).toEqual([]);
    expect(ev.window('WP-02', 'w01018')).toEqual([]);
  });

  it("'*' gives the last 10 of each series of the site, in time order, and nothing of other sites", () => {
    const ev = createEvidenceBuffer({ now: () => 10_000 });
    for (let i = 0; i < 15; i++) {
      // one batch with three series of two sites
      ev.recordBatch([at('WP-01', 'w01018', i, 1000 + 2 * i), at('WP-01', 'w21003', 100 + i, 1001 + 2 * i), at('WP-10', 'w01018', 200 + i, 1000 + i)]);
    }
    const all = ev.window('WP-01', '*');
    expect(all).toHaveLength(20);
    expect(all.every((r) => r.site === 'WP-01')).toBe(true);
    expect(all.map((r) => r.ts)).toEqual([...all.map((r) => r.ts)].sort((a, b) => a - b));
    expect(all[0]!.value).toBe(5);
  });

  it('leaves out readings older than maxAgeMs', () => {
    let now = 0;
    const ev = createEvidenceBuffer({ maxAgeMs: 100, now: () => now });
    ev.recordBatch([at('AQ-01', 'a21028', 1, 0)]);
    ev.recordBatch([at('AQ-01', 'a21028', 2, 50)]);
    now = 120;
    expect(ev.window('AQ-01', 'a21028').map((r) => r.value)).toEqual([2]);
  });
});
