import { describe, expect, it } from 'vitest';
import { createOdorAttribution, memoryAttributionStore, type Attribution } from './index.js';
import { destination, odorEvent, parkWith, windAt } from './testing.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 20, 2, 0, 0);
const S = { lat: 30.655, lon: 113.83 };

/** wind readings every minute for the last 20 minutes before `to` */
function steadyWind(site: string, to: number, speed: number, direction: number) {
  return Array.from({ length: 21 }, (_, i) => windAt(site, to - (20 - i) * MIN, speed, direction)).flat();
}

function attributionOf(out: Map<unknown, { attribution?: unknown }>, ev: unknown): Attribution {
  const a = out.get(ev)?.attribution as Attribution | undefined;
  if (!a) throw new Error('no attribution for the event');
  return a;
}

describe('odor source attribution: ranking upwind of one station', () => {
  // Candidates around station AQ-01 (moved to S), placed by bearing and distance on the sphere.
  // The event: H2S (a21028) at AQ-01; the wind: steady from the north-east, 45°, 3 m/s (WS-01).
  const park = parkWith({ 'AQ-01': S }, [
    { id: 'E-01', at: destination(S, 45, 600), emits: { a21028: 0.5 } }, // on the axis
    { id: 'E-02', at: destination(S, 60, 300), emits: { a21028: 1 } },
    { id: 'E-03', at: destination(S, 40, 1000), emits: { a21028: 1 } },
    { id: 'E-04', at: destination(S, 80, 400), emits: { a21028: 1 } }, // 35° off the axis: outside
    { id: 'E-05', at: destination(S, 225, 450), emits: { a21028: 1 } }, // downwind: outside
    { id: 'E-06', at: destination(S, 30, 200), emits: { a24088: 1 } }, // does not emit H2S
    { id: 'E-07', at: destination(S, 45, 6000), emits: { a21028: 1 } }, // beyond the reach u·T = 3 × 1800 = 5400 m
  ]);

  it('with a fixed wind from the north-east, the ranking matches the hand computation', () => {
    const a = createOdorAttribution({ registry: park, store: memoryAttributionStore() });
    a.observe(steadyWind('WS-01', T0, 3, 45));
    const ev = odorEvent('open', 'AQ-01', 'a21028', T0, T0 - 2 * MIN);
    const got = attributionOf(a.annotate([ev]), ev);

    // By hand. Wind 3 m/s ≥ 2 m/s and steady (resultant 1): half-width Δ = 30°, σ = Δ/2 = 15°.
    // score = exp(−½ (α/15)²) × 1/(1 + d/500) × weight
    //   E-02: α = 15°, d = 300:  exp(−0.5)      × 1/1.6 × 1   = 0.60653 × 0.625   = 0.37908
    //   E-03: α = 5°,  d = 1000: exp(−0.05556)  × 1/3   × 1   = 0.94596 × 0.33333 = 0.31532
    //   E-01: α = 0°,  d = 600:  1              × 1/2.2 × 0.5 = 0.45455 × 0.5     = 0.22727
    //   E-06: α = 15°, d = 200:  exp(−0.5)      × 1/1.4 × 0.1 (no H2S: other weight) = 0.04332
    //   E-04 (α 35° > 30°), E-05 (α 180°), E-07 (6000 m > 5400 m): not candidates
    const expected = [
      { enterprise: 'E-02', bearingDeg: 60, distanceM: 300, angleDeg: 15, score: 0.37908 },
      { enterprise: 'E-03', bearingDeg: 40, distanceM: 1000, angleDeg: 5, score: 0.31532 },
      { enterprise: 'E-01', bearingDeg: 45, distanceM: 600, angleDeg: 0, score: 0.22727 },
      { enterprise: 'E-06', bearingDeg: 30, distanceM: 200, angleDeg: 15, score: 0.04332 },
    ];
    expect(got.candidates.map((c) => c.enterprise)).toEqual(expected.map((e) => e.enterprise));
    got.candidates.forEach((c, i) => {
      const e = expected[i]!;
      expect(c.bearingDeg).toBeCloseTo(e.bearingDeg, 1);
      expect(Math.abs(c.distanceM - e.distanceM)).toBeLessThan(1);
      expect(c.angleDeg).toBeCloseTo(e.angleDeg, 1);
      expect(c.score).toBeCloseTo(e.score, 3);
    });
    expect(got.wind).toMatchObject({ source: 'WS-01', speed: 3, direction: 45, resultant: 1 });
    expect(got.sector).toMatchObject({ centreDeg: 45, halfWidthDeg: 30, calm: false, reachM: 5400 });
    expect(got.top).toEqual({ enterprise: 'E-02', name: '企业E-02' });
  });

  it('the wind is the vector mean over the episode: 350° and 10° give north, not south', () => {
    const a = createOdorAttribution({ registry: park, store: memoryAttributionStore() });
    for (let i = 0; i <= 20; i++) a.observe(windAt('WS-01', T0 - (20 - i) * MIN, 3, i % 2 ? 350 : 10));
    const ev = odorEvent('open', 'AQ-01', 'a21028', T0, T0 - 5 * MIN);
    const got = attributionOf(a.annotate([ev]), ev);
    // the last 10 min: 6 × 10° and 5 × 350°, mean ≈ 0.9° (an arithmetic mean would give 160°)
    expect(Math.min(got.wind!.direction, 360 - got.wind!.direction)).toBeLessThan(2);
    expect(got.wind!.n).toBe(11);
  });

  it('light wind widens the sector; calm (< 0.5 m/s) looks in every direction nearby', () => {
    const light = createOdorAttribution({ registry: park, store: memoryAttributionStore() });
    light.observe(steadyWind('WS-01', T0, 0.8, 45));
    const ev = odorEvent('open', 'AQ-01', 'a21028', T0);
    const l = attributionOf(light.annotate([ev]), ev);
    // 0.5-1 m/s: Δ = 67.5°; E-04 (35° off the axis) is now a candidate; reach stays at least 300 m (0.8 × 1800 = 1440 m)
    expect(l.sector).toMatchObject({ halfWidthDeg: 67.5, reachM: 1440 });
    expect(l.candidates.map((c) => c.enterprise)).toContain('E-04');

    const calm = createOdorAttribution({ registry: park, store: memoryAttributionStore() });
    calm.observe(steadyWind('WS-01', T0, 0.3, 45));
    const c = attributionOf(calm.annotate([ev]), ev);
    expect(c.calm).toBe(true);
    // within 500 m in every direction, the downwind E-05 included; E-01 (600 m) and E-03 (1000 m) not
    expect(c.candidates.map((x) => x.enterprise).sort()).toEqual(['E-02', 'E-04', 'E-05', 'E-06']);
    expect(c.summary).toContain('静风');
  });

  it('no wind data: no candidates, said so', () => {
    const a = createOdorAttribution({ registry: park, store: memoryAttributionStore() });
    const ev = odorEvent('open', 'AQ-01', 'a21028', T0);
    const got = attributionOf(a.annotate([ev]), ev);
    expect(got.candidates).toEqual([]);
    expect(got.summary).toContain('无风向数据');
  });
});

describe('odor source attribution: several stations firing together', () => {
  // AQ-01 at S with its own wind from the north-east (45°); AQ-02 1000 m east of it with its own wind from
  // the north-west (315°). Their upwind sectors cross at X, 707 m from each (45° from AQ-01, 315° from AQ-02).
  const P2 = destination(S, 90, 1000);
  const X = destination(S, 45, Math.SQRT2 * 500);
  const park = parkWith({ 'AQ-01': S, 'AQ-02': P2 }, [
    { id: 'E-01', at: X, emits: { a99001: 1 } },
    { id: 'E-02', at: destination(S, 45, 250), emits: { a99001: 1 } }, // close upwind of AQ-01 only
    { id: 'E-03', at: destination(P2, 315, 250), emits: { a99001: 1 } }, // close upwind of AQ-02 only
  ]);

  function withWinds() {
    const a = createOdorAttribution({ registry: park, store: memoryAttributionStore() });
    a.observe(steadyWind('AQ-01', T0, 3, 45));
    a.observe(steadyWind('AQ-02', T0, 3, 315));
    a.observe(steadyWind('WS-01', T0, 3, 180)); // the park's wind: not used where a station has its own
    return a;
  }

  it('alone, each station ranks its nearest upwind enterprise first', () => {
    const a = withWinds();
    const ev = odorEvent('open', 'AQ-01', 'a99001', T0);
    const got = attributionOf(a.annotate([ev]), ev);
    expect(got.wind?.source).toBe('AQ-01');
    expect(got.candidates.map((c) => c.enterprise)).toEqual(['E-02', 'E-01']);
  });

  it('two stations with crossing sectors pick the enterprise at the intersection', () => {
    const a = withWinds();
    const first = odorEvent('open', 'AQ-02', 'a99001', T0 - 3 * MIN, T0 - 5 * MIN);
    const second = odorEvent('open', 'AQ-01', 'a99001', T0, T0 - 2 * MIN);
    a.annotate([first]);
    const got = attributionOf(a.annotate([second]), second);
    expect(got.candidates.map((c) => c.enterprise)).toEqual(['E-01', 'E-02']);
    expect(got.candidates[0]!.stations).toEqual(['AQ-01', 'AQ-02']);
    expect(got.intersecting).toEqual([expect.objectContaining({ site: 'AQ-02', wind: expect.objectContaining({ source: 'AQ-02', direction: 315 }) })]);
    expect(got.top?.enterprise).toBe('E-01');
  });

  it('stations opening in the same batch see each other; a station cleared long before does not count', () => {
    const a = withWinds();
    const e1 = odorEvent('open', 'AQ-01', 'a99001', T0);
    const e2 = odorEvent('open', 'AQ-02', 'a99001', T0);
    const out = a.annotate([e1, e2]);
    expect(attributionOf(out, e1).top?.enterprise).toBe('E-01');
    expect(attributionOf(out, e2).top?.enterprise).toBe('E-01');

    const b = withWinds();
    b.annotate([odorEvent('open', 'AQ-02', 'a99001', T0 - 120 * MIN), odorEvent('clear', 'AQ-02', 'a99001', T0 - 90 * MIN)]);
    const late = odorEvent('open', 'AQ-01', 'a99001', T0);
    expect(attributionOf(b.annotate([late]), late).top?.enterprise).toBe('E-02');
  });
});

describe('odor source attribution: right after a restart', () => {
  it("without wind history of its own, it uses the engine's 15-min wind carried on the event", () => {
    const park = parkWith({ 'AQ-01': S }, [
      { id: 'E-01', at: destination(S, 45, 300), emits: { a21028: 1 } },
      { id: 'E-02', at: destination(S, 225, 300), emits: { a21028: 1 } },
    ]);
    const a = createOdorAttribution({ registry: park, store: memoryAttributionStore() });
    const ev = { ...odorEvent('open', 'AQ-01', 'a21028', T0), context: { wind: { speed: 2.5, direction: 45, resultant: 1, n: 90, calm: false, at: T0 - 5_000 } } };
    const got = attributionOf(a.annotate([ev]), ev);
    expect(got.wind).toMatchObject({ source: 'WS-01', speed: 2.5, direction: 45, n: 90 });
    expect(got.candidates.map((c) => c.enterprise)).toEqual(['E-01']);
    // a malformed context is ignored: no wind, no candidates
    const bad = { ...odorEvent('open', 'AQ-01', 'a21028', T0 + 1), context: { wind: { speed: 'fast' } } };
    expect(attributionOf(a.annotate([bad]), bad).candidates).toEqual([]);
  });
});
