/**
 * HJ 212 times are local wall-clock text without a zone: DataTime/SystemTime/BeginTime/EndTime are
 * yyyyMMddHHmmss (N14, HJ 212-2017 §6.3.3 Table 4) and QN is yyyyMMddHHmmsszzz (§6.3.2 Table 3).
 * The zone is not in the packet; China Standard Time (UTC+8, no daylight saving) is the default.
 */

/** UTC+8, China Standard Time. */
export const CST_OFFSET_MS = 8 * 3600_000;

const p2 = (n: number) => String(n).padStart(2, '0');

/** Epoch ms -> yyyyMMddHHmmss in the zone `tzOffsetMs` east of UTC (default UTC+8). */
export function hj212Time(ms: number, tzOffsetMs: number = CST_OFFSET_MS): string {
  const d = new Date(Math.floor(ms / 1000) * 1000 + tzOffsetMs);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}`;
}

/**
 * yyyyMMddHHmmss (or a 17-digit QN, yyyyMMddHHmmsszzz) in the zone `tzOffsetMs` -> epoch ms;
 * undefined when it is not such a string or not a real calendar moment (20240230..., hour 24).
 */
export function parseHj212Time(s: string, tzOffsetMs: number = CST_OFFSET_MS): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se, ms] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, se, ms);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== se) return undefined;
  return utc - tzOffsetMs;
}

/**
 * A QN (§6.3.2 Table 3: request id, yyyyMMddHHmmsszzz, to the millisecond) for the moment `ms`.
 * `seq`, when given, replaces the millisecond digits (taken mod 1000), so a sender can number the
 * packets it sends within one second and keep their QNs distinct.
 */
export function makeQn(ms: number, seq?: number, tzOffsetMs: number = CST_OFFSET_MS): string {
  const zzz = seq === undefined ? ((ms % 1000) + 1000) % 1000 : ((Math.trunc(seq) % 1000) + 1000) % 1000;
  return `${hj212Time(ms, tzOffsetMs)}${String(zzz).padStart(3, '0')}`;
}
