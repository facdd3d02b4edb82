import type { LogFn } from 'pino';

export interface LogSampling {
  /** lines kept per key (reason and message) per window; the rest are counted (default 20) */
  perWindow: number;
  /** default 60 s */
  windowMs: number;
}

interface Window {
  start: number;
  kept: number;
  suppressed: number;
  timer?: NodeJS.Timeout;
}

/**
 * A pino `logMethod` hook that samples repeated warnings about bad input (issue 11: "a flood cannot flood
 * stdout either"): a line at warn level or above whose object carries a `reason` (a dead-letter reason:
 * 'malformed-json', 'bad-pw', 'duplicate-timestamp' ...) is written for the first `perWindow` times per
 * reason and message in each window; the others are counted, and one summary line with the count is
 * written when the window ends. Everything else passes untouched. Timers are unref'd (they never hold the
 * process open); every line is still counted and dead-lettered by its caller.
 */
export function sampleRepeatedWarnings(o: LogSampling, now: () => number = Date.now): (this: unknown, args: Parameters<LogFn>, method: LogFn, level: number) => void {
  const windows = new Map<string, Window>();
  return function (this: unknown, args, method, level) {
    const obj = args[0] as unknown;
    const reason = level >= 40 && obj !== null && typeof obj === 'object' ? (obj as { reason?: unknown }).reason : undefined;
    if (typeof reason !== 'string') return method.apply(this, args);
    const msg = typeof args[1] === 'string' ? args[1] : '';
    const key = `${reason}\0${msg}`;
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= o.windowMs) {
      if (w) flush(this, w);
      windows.set(key, (w = { start: t, kept: 0, suppressed: 0 }));
    }
    if (w.kept < o.perWindow) {
      w.kept++;
      return method.apply(this, args);
    }
    w.suppressed++;
    if (!w.timer) {
      const win = w;
      win.timer = setTimeout(() => {
        flush(this, win);
        if (windows.get(key) === win) windows.delete(key);
      }, Math.max(0, win.start + o.windowMs - t));
      win.timer.unref();
    }
    function flush(self: unknown, win: Window) {
      clearTimeout(win.timer);
      win.timer = undefined;
      if (win.suppressed === 0) return;
      const n = win.suppressed;
      win.suppressed = 0;
      method.apply(self, [{ reason, suppressed: n, windowMs: o.windowMs }, `${n} more lines like "${msg}" (reason ${reason}) suppressed in ${Math.round(o.windowMs / 1000)} s`] as Parameters<LogFn>);
    }
  };
}
