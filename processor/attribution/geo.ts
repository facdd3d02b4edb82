/** A point on the ground, WGS84 degrees. */
export interface Point {
  lat: number;
  lon: number;
}

const RAD = Math.PI / 180;
/** mean Earth radius (IUGG), metres */
const EARTH_M = 6_371_008.8;

/**
 * Bearing (degrees clockwise from north, [0, 360)) and distance (metres) from `a` to `b`, on a local
 * flat projection at `a`'s latitude (east = Δlon·cos φ, north = Δlat, both times the Earth's radius).
 * A park spans a few kilometres, where this differs from the great-circle values by far less than a
 * plant's size (< 0.01° and < 1 m at 3 km).
 */
export function bearingDistance(a: Point, b: Point): { bearingDeg: number; distanceM: number } {
  const east = (b.lon - a.lon) * RAD * Math.cos(a.lat * RAD) * EARTH_M;
  const north = (b.lat - a.lat) * RAD * EARTH_M;
  return { bearingDeg: compass(Math.atan2(east, north) / RAD), distanceM: Math.hypot(east, north) };
}

/** an angle in degrees folded into [0, 360) */
export function compass(deg: number): number {
  const d = ((deg % 360) + 360) % 360;
  return d === 360 ? 0 : d;
}

/** the smaller angle between two bearings, degrees in [0, 180] */
export function angleBetween(a: number, b: number): number {
  const d = Math.abs(compass(a) - compass(b));
  return d > 180 ? 360 - d : d;
}
