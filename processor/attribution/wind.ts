import { compass } from './geo.js';

const RAD = Math.PI / 180;

/** One wind observation: HJ 212 a01007 speed (m/s) and a01008 direction (degrees the wind blows FROM, clockwise from north). */
export interface WindSample {
  /** reading time, epoch ms */
  t: number;
  speed: number;
  direction: number;
}

/** The wind over an episode. */
export interface EpisodeWind {
  /** site whose anemometer gave it (the fence station's own, or the weather station) */
  source: string;
  from: number;
  to: number;
  n: number;
  /** scalar mean speed, m/s */
  speed: number;
  /** direction of the mean unit vector, degrees the wind blows from: where the air came from */
  direction: number;
  /** length of the mean unit vector: 1 steady, 0 no prevailing direction */
  resultant: number;
}

/**
 * Vector mean of the samples with from ≤ t ≤ to (domain.md §5: direction averaged as a vector, from the
 * mean sine and cosine, so 350° and 10° give 0°, not 180°). Speed is the scalar mean: the air still
 * moves when the direction swings, and the sector widening reads the swing from `resultant`.
 */
export function episodeWind(source: string, samples: readonly WindSample[], from: number, to: number): EpisodeWind | undefined {
  let n = 0;
  let speed = 0;
  let sin = 0;
  let cos = 0;
  for (const s of samples) {
    if (s.t < from || s.t > to) continue;
    n++;
    speed += s.speed;
    sin += Math.sin(s.direction * RAD);
    cos += Math.cos(s.direction * RAD);
  }
  if (n === 0) return undefined;
  const direction = compass(Math.round((Math.atan2(sin / n, cos / n) / RAD) * 1e9) / 1e9);
  // rounded to 1e-9: a steady wind has resultant 1 and its speed, not 0.999… and 2.999…
  const round = (x: number) => Math.round(x * 1e9) / 1e9;
  return { source, from, to, n, speed: round(speed / n), direction, resultant: Math.min(1, round(Math.hypot(sin / n, cos / n))) };
}

/**
 * Wind samples of one source, oldest first, bounded by age (`maxAgeMs` behind the newest) and count.
 * Speed and direction arrive as two readings; a sample is made when both of one instant (within
 * `pairMs`) are in, whichever comes first.
 */
export class WindHistory {
  private readonly samples: WindSample[] = [];
  private speed: { t: number; v: number } | undefined;
  private direction: { t: number; v: number } | undefined;

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxCount: number,
    private readonly pairMs = 30_000,
  ) {}

  speedAt(t: number, v: number): void {
    this.speed = { t, v };
    this.pair();
  }

  directionAt(t: number, v: number): void {
    this.direction = { t, v };
    this.pair();
  }

  all(): readonly WindSample[] {
    return this.samples;
  }

  private pair(): void {
    const s = this.speed;
    const d = this.direction;
    if (!s || !d || Math.abs(s.t - d.t) > this.pairMs) return;
    this.speed = this.direction = undefined;
    const t = Math.max(s.t, d.t);
    // readings of one source arrive in order; a late one is placed where it belongs
    let i = this.samples.length;
    while (i > 0 && this.samples[i - 1]!.t > t) i--;
    this.samples.splice(i, 0, { t, speed: s.v, direction: d.v });
    const newest = this.samples[this.samples.length - 1]!.t;
    let drop = 0;
    while (drop < this.samples.length && newest - this.samples[drop]!.t > this.maxAgeMs) drop++;
    drop = Math.max(drop, this.samples.length - this.maxCount);
    if (drop > 0) this.samples.splice(0, drop);
  }
}
