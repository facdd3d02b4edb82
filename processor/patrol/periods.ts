/**
 * The patrol's clock: the configured local times ("08:30", "16:30" in park.timezone) as instants, and
 * the half day each one closes. Pure: the time always comes from the caller (the scheduler's now()).
 */

const DAY = 86_400_000;

export interface PatrolPeriod {
  /** inclusive, epoch ms */
  start: number;
  /** exclusive, epoch ms: the patrol time that closes the period */
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatter = (timeZone: string) => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
};

/** the zone's offset from UTC at instant t, ms (Asia/Shanghai: +8 h) */
export function zoneOffsetMs(t: number, timeZone: string): number {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** local calendar date "YYYY-MM-DD" and time "HH:MM" of t in the zone */
export function localStamp(t: number, timeZone: string): { date: string; time: string } {
  const local = new Date(t + zoneOffsetMs(t, timeZone)).toISOString();
  return { date: local.slice(0, 10), time: local.slice(11, 16) };
}

/** every patrol instant of the local days around t, ascending */
function instantsAround(t: number, times: readonly string[], timeZone: string): number[] {
  const out: number[] = [];
  const offset = zoneOffsetMs(t, timeZone);
  const localMidnight = Math.floor((t + offset) / DAY) * DAY;
  for (let d = -2; d <= 2; d++) {
    for (const hm of times) {
      const [h, m] = hm.split(':').map(Number) as [number, number];
      const local = localMidnight + d * DAY + (h * 60 + m) * 60_000;
      out.push(local - zoneOffsetMs(local - offset, timeZone));
    }
  }
  return out.sort((a, b) => a - b);
}

/** the first patrol time strictly after t */
export function nextPatrolTime(t: number, times: readonly string[], timeZone: string): number {
  return instantsAround(t, times, timeZone).find((x) => x > t)!;
}

/** the period closed by the patrol time `end` (which must be one): from the previous patrol time to it */
export function periodEndingAt(end: number, times: readonly string[], timeZone: string): PatrolPeriod {
  const earlier = instantsAround(end, times, timeZone).filter((x) => x < end);
  return { start: earlier[earlier.length - 1]!, end };
}

/** the most recent period that has ended at or before t */
export function lastEndedPeriod(t: number, times: readonly string[], timeZone: string): PatrolPeriod {
  const ends = instantsAround(t, times, timeZone).filter((x) => x <= t);
  return periodEndingAt(ends[ends.length - 1]!, times, timeZone);
}

/** the sheet's id: "P-YYYYMMDD-HHMM" of its period's end, park-local */
export function sheetId(period: PatrolPeriod, timeZone: string): string {
  const { date, time } = localStamp(period.end, timeZone);
  return `P-${date.replace(/-/g, '')}-${time.replace(':', '')}`;
}
