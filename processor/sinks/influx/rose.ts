import type { Reading } from '../../../gateway/model/reading.js';
import type { Registry } from '../../../gateway/registry/schema.js';
import type { Point } from '../lineProtocol/index.js';

/** HJ 212 codes of wind speed (m/s) and wind direction (degrees from north, where the wind blows from) */
const SPEED = 'a01007';
const DIRECTION = 'a01008';
/** below this the wind has no direction (静风); the calm limit attribution uses too */
export const CALM_MS = 0.5;

/** 16 compass sectors of 22.5°, centred on N, NNE …; numbered so that InfluxDB's tag order is the compass order */
export const SECTORS = ['N 北', 'NNE 北东北', 'NE 东北', 'ENE 东东北', 'E 东', 'ESE 东东南', 'SE 东南', 'SSE 南东南', 'S 南', 'SSW 南西南', 'SW 西南', 'WSW 西西南', 'W 西', 'WNW 西西北', 'NW 西北', 'NNW 北西北'].map((s, i) => `${String(i).padStart(2, '0')} ${s}`);
export const CALM_SECTOR = '16 C 静风';
/** wind speed classes of the wind rose, m/s */
export const SPEED_CLASSES = [
  { below: CALM_MS, tag: '0 <0.5 m/s' },
  { below: 2, tag: '1 0.5-2 m/s' },
  { below: 4, tag: '2 2-4 m/s' },
  { below: 6, tag: '3 4-6 m/s' },
  { below: Infinity, tag: '4 ≥6 m/s' },
] as const;

export function sectorOf(directionDeg: number, speed: number): string {
  if (speed < CALM_MS) return CALM_SECTOR;
  const d = ((directionDeg % 360) + 360) % 360;
  return SECTORS[Math.round(d / 22.5) % 16]!;
}
export const speedClass = (speed: number): string => SPEED_CLASSES.find((c) => speed < c.below)!.tag;

interface Wind {
  direction?: { value: number; ts: number };
  speed?: { value: number; ts: number };
}

/**
 * Wind rose and pollution rose (InfluxQL cannot pair two series by time or bin an angle): measurement
 * `rose`, tag `rose`:
 * - `wind`: one point per wind-direction reading (flag N) paired with the same station's wind speed
 *   within maxAgeMs; tags site, sector, speed (class); fields direction, speed.
 * - `pollution`: one point per fence-line reading (flag N; not the meteorological a01xxx factors) paired
 *   with the wind at its time: the station's own anemometer, else the weather station's; tags site,
 *   pollutant, sector, wind (the station whose wind it is); fields value, direction, speed.
 * Pure: it keeps the latest wind per station and takes a batch in reading-time order; time is the readings'.
 */
export function createRose(registry: Registry, maxAgeMs = 5 * 60_000): { points(batch: readonly Reading[]): Point[] } {
  const kinds = new Map(registry.sites.map((s) => [s.id, s.kind]));
  const weather = registry.sites.find((s) => s.kind === 'weather')?.id;
  const winds = new Map<string, Wind>();
  const fresh = (x: { ts: number } | undefined, ts: number) => x !== undefined && Math.abs(x.ts - ts) <= maxAgeMs;
  const windAt = (site: string, ts: number): { site: string; direction: number; speed: number } | undefined => {
    for (const id of [site, weather]) {
      const w = id === undefined ? undefined : winds.get(id);
      if (id !== undefined && w && fresh(w.direction, ts) && fresh(w.speed, ts)) return { site: id, direction: w.direction!.value, speed: w.speed!.value };
    }
    return undefined;
  };
  return {
    points(batch) {
      // in time order, a speed before a direction of the same instant: each value meets the wind of its moment
      const order = (r: Reading) => (r.pollutant === SPEED ? 0 : r.pollutant === DIRECTION ? 1 : 2);
      // only wind and fence-line values make rose points: most batches (pipes, rain outlets) have none and cost one pass
      const valid = batch.filter((r) => r.flag === 'N' && Number.isFinite(r.value) && (r.pollutant === SPEED || r.pollutant === DIRECTION || (kinds.get(r.site) === 'air_fence' && !r.pollutant.startsWith('a01'))));
      if (valid.length === 0) return [];
      valid.sort((a, b) => a.ts - b.ts || order(a) - order(b));
      const out: Point[] = [];
      for (const r of valid) {
        if (r.pollutant === SPEED || r.pollutant === DIRECTION) {
          const w = winds.get(r.site) ?? {};
          const key = r.pollutant === SPEED ? 'speed' : 'direction';
          if (!w[key] || r.ts >= w[key].ts) w[key] = { value: r.value, ts: r.ts };
          winds.set(r.site, w);
        }
        if (r.pollutant === DIRECTION) {
          const speed = winds.get(r.site)?.speed;
          if (!fresh(speed, r.ts)) continue;
          out.push({ measurement: 'rose', tags: { rose: 'wind', site: r.site, sector: sectorOf(r.value, speed!.value), speed: speedClass(speed!.value) }, fields: { direction: r.value, speed: speed!.value }, timestamp: r.ts });
        } else if (kinds.get(r.site) === 'air_fence' && !r.pollutant.startsWith('a01')) {
          const w = windAt(r.site, r.ts);
          if (!w) continue;
          out.push({ measurement: 'rose', tags: { rose: 'pollution', site: r.site, pollutant: r.pollutant, sector: sectorOf(w.direction, w.speed), wind: w.site }, fields: { value: r.value, direction: w.direction, speed: w.speed }, timestamp: r.ts });
        }
      }
      return out;
    },
  };
}
