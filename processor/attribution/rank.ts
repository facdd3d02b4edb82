import type { AttributionConfig, Emission } from '../../gateway/registry/attribution.js';
import { angleBetween, bearingDistance, type Point } from './geo.js';
import type { EpisodeWind } from './wind.js';

/** An enterprise that may be the source. */
export interface Candidate {
  enterprise: string;
  name: string;
  location: Point;
  emissions: readonly Emission[];
}

/** A fence-line station with an open odor episode, and the wind over that episode. */
export interface Firing {
  site: string;
  location: Point;
  /** undefined: no wind sample at all, no sector */
  wind: EpisodeWind | undefined;
}

/** Where the air came from, seen from one station. */
export interface Sector {
  site: string;
  /** centre: the bearing the wind blows from (upwind) */
  centreDeg: number;
  /** half-width; 180 when calm (every direction) */
  halfWidthDeg: number;
  calm: boolean;
  /** candidates farther than this are not reached by the air in the look-back time */
  reachM: number;
}

export interface ScoredCandidate {
  enterprise: string;
  name: string;
  /** from the station that fired, degrees clockwise from north */
  bearingDeg: number;
  distanceM: number;
  /** between the bearing and the sector's centre */
  angleDeg: number;
  /** the three factors of the score (see rankCandidates) */
  angular: number;
  distance: number;
  emission: number;
  score: number;
  /** the firing stations whose sector holds the candidate, this station first */
  stations: string[];
}

type Config = Pick<AttributionConfig, 'calmMs' | 'calmRadiusM' | 'halfWidth' | 'reachMs' | 'minReachM' | 'distanceScaleM' | 'otherEmissionWeight'>;

/**
 * The upwind sector of a station. Half-width by mean speed: 30° at ≥ 2 m/s, 45° at 1-2 m/s, 67.5° at
 * 0.5-1 m/s (domain.md §5: Δ = 22.5-45°, widened when the wind is light), plus (1 − resultant) × 45° for
 * a meandering wind (a plume follows the wind's swings), at most 180°. Calm (< 0.5 m/s scalar mean,
 * domain.md §5): every direction within calmRadiusM. Reach u·T with T = reachMs (domain.md §5: d ≤ u·T),
 * never below minReachM.
 */
export function sectorOf(f: Firing, c: Config): Sector | undefined {
  const w = f.wind;
  if (!w) return undefined;
  if (w.speed < c.calmMs) return { site: f.site, centreDeg: w.direction, halfWidthDeg: 180, calm: true, reachM: c.calmRadiusM };
  const h = c.halfWidth;
  const base = w.speed >= h.moderateMs ? h.steadyDeg : w.speed >= h.lightMs ? h.moderateDeg : h.lightDeg;
  const halfWidthDeg = Math.min(180, base + (1 - w.resultant) * h.meanderDeg);
  return { site: f.site, centreDeg: w.direction, halfWidthDeg, calm: false, reachM: Math.max(w.speed * (c.reachMs / 1000), c.minReachM) };
}

/** whether `p` lies in the sector seen from `from` */
export function inSector(s: Sector, from: Point, p: Point): boolean {
  const { bearingDeg, distanceM } = bearingDistance(from, p);
  return distanceM <= s.reachM && (s.calm || angleBetween(bearingDeg, s.centreDeg) <= s.halfWidthDeg);
}

/**
 * Ranks the candidates upwind of `station` for `pollutant`. Each candidate in the station's sector
 * (angle ≤ half-width Δ, distance ≤ reach) scores
 *
 *   score = A · D · M
 *   A = exp(−½ (α / σ)²), σ = Δ / 2   angular closeness: the Gaussian plume's crosswind profile
 *                                      exp(−y² / 2σy²) with the offset as an angle α from the sector's
 *                                      centre; the sector's edge (α = Δ = 2σ) keeps 13.5 %. Calm: A = 1
 *                                      (no direction to be close to).
 *   D = 1 / (1 + d / L), L = distanceScaleM (500 m)
 *                                      distance: a plume dilutes as it travels (centre-line concentration
 *                                      falls roughly as d^-1.5..2 near the source), softened so that the
 *                                      plant at the station's own fence does not take all the weight and
 *                                      one 1 km away is still a candidate (D = 1/3).
 *   M = the enterprise's emission weight for the pollutant that fired, else otherEmissionWeight (0.1)
 *                                      what it emits: an enterprise that does not list the pollutant is
 *                                      demoted, not excluded (inventories are incomplete; odor
 *                                      concentration a99001 is many substances).
 *
 * With several stations firing together (`others`), the candidates lying in more of the stations'
 * sectors rank first (the intersection of the upwind sectors, where the plumes' origins cross), then by
 * score. Candidates outside this station's own sector are not listed: the air reaching it did not pass
 * over them.
 */
export function rankCandidates(
  station: Firing,
  pollutant: string,
  candidates: readonly Candidate[],
  c: Config,
  others: readonly Firing[] = [],
): { sector: Sector | undefined; others: Sector[]; ranked: ScoredCandidate[] } {
  const sector = sectorOf(station, c);
  const otherSectors = others.flatMap((o) => {
    const s = sectorOf(o, c);
    return s ? [{ s, at: o.location }] : [];
  });
  if (!sector) return { sector, others: otherSectors.map((o) => o.s), ranked: [] };
  const sigma = sector.halfWidthDeg / 2;
  const ranked: ScoredCandidate[] = [];
  for (const e of candidates) {
    const { bearingDeg, distanceM } = bearingDistance(station.location, e.location);
    const angleDeg = angleBetween(bearingDeg, sector.centreDeg);
    if (distanceM > sector.reachM || (!sector.calm && angleDeg > sector.halfWidthDeg)) continue;
    const angular = sector.calm ? 1 : Math.exp(-0.5 * (angleDeg / sigma) ** 2);
    const distance = 1 / (1 + distanceM / c.distanceScaleM);
    const emission = e.emissions.find((x) => x.pollutant === pollutant)?.weight ?? c.otherEmissionWeight;
    const stations = [station.site, ...otherSectors.filter((o) => inSector(o.s, o.at, e.location)).map((o) => o.s.site)];
    ranked.push({ enterprise: e.enterprise, name: e.name, bearingDeg, distanceM, angleDeg, angular, distance, emission, score: angular * distance * emission, stations });
  }
  ranked.sort((a, b) => b.stations.length - a.stations.length || b.score - a.score || a.enterprise.localeCompare(b.enterprise));
  return { sector, others: otherSectors.map((o) => o.s), ranked };
}
