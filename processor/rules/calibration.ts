import type { Reading } from '../../gateway/model/reading.js';
import type { CalibrationWindow } from '../../gateway/registry/calibration.js';
import type { Site } from '../../gateway/registry/schema.js';

const DAY = 86_400_000;

/** Milliseconds since local midnight in `timeZone` (IANA name, e.g. Asia/Shanghai). */
export function localTimeOfDay(timeZone: string): (ts: number) => number {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return (ts) => {
    let h = 0;
    let m = 0;
    let s = 0;
    for (const p of fmt.formatToParts(ts)) {
      if (p.type === 'hour') h = Number(p.value);
      else if (p.type === 'minute') m = Number(p.value);
      else if (p.type === 'second') s = Number(p.value);
    }
    return ((h * 60 + m) * 60 + s) * 1000 + (((ts % 1000) + 1000) % 1000);
  };
}

/** Whether local time of day `t` (ms since midnight) lies in a window starting at `at` and repeating every everyMs. */
export function inWindow(w: CalibrationWindow, t: number): boolean {
  const [hh, mm] = w.at.split(':').map(Number) as [number, number];
  const start = (hh * 60 + mm) * 60_000;
  const since = (((t - start) % w.everyMs) + w.everyMs) % w.everyMs;
  return since < w.durationMs && t >= 0 && t < DAY;
}

/**
 * The site's scheduled calibration windows (registry `devices[].calibration`, calibration.ts in the
 * registry): whether a reading is an expected calibration/maintenance value of its device, i.e. its flag
 * is one the window covers, its pollutant is covered and its timestamp falls in the window (local time).
 * Undefined when no device of the site has a window.
 */
export function calibrationCalendar(site: Site, timeZone: string): ((r: Reading) => boolean) | undefined {
  const byDevice = new Map<string, CalibrationWindow[]>();
  for (const d of site.devices) if (d.calibration?.length) byDevice.set(d.id, d.calibration);
  if (byDevice.size === 0) return undefined;
  const local = localTimeOfDay(timeZone);
  return (r) => {
    const windows = byDevice.get(r.device);
    if (!windows) return false;
    let t: number | undefined;
    for (const w of windows) {
      if (!(w.flags as readonly string[]).includes(r.flag)) continue;
      if (w.pollutants && !w.pollutants.includes(r.pollutant)) continue;
      t ??= local(r.ts);
      if (inWindow(w, t)) return true;
    }
    return false;
  };
}
