/**
 * Simulated time: runs `speed` times faster than the wall clock from `origin`.
 * speed 1 is real time; a scenario that needs hours runs with --speed 60 or more.
 */
export interface SimClock {
  now(): number;
  readonly speed: number;
  /** wall-clock milliseconds for a span of simulated time */
  wall(simMs: number): number;
  /** the wall-clock instant (epoch ms) at which simulated time reaches `simMs` */
  wallAt(simMs: number): number;
}

export function createSimClock(speed = 1, origin = Date.now(), wallNow: () => number = Date.now): SimClock {
  if (!(speed > 0)) throw new Error(`speed must be > 0, got ${speed}`);
  return {
    speed,
    now: () => origin + (wallNow() - origin) * speed,
    wall: (simMs) => simMs / speed,
    wallAt: (simMs) => origin + (simMs - origin) / speed,
  };
}
