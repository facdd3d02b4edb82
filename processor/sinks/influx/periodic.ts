import { asyncScheduler, interval, startWith, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { Point } from '../lineProtocol/index.js';
import type { InfluxSink } from './index.js';

export interface PeriodicWriterOptions {
  /** what the writer is called in logs */
  name: string;
  sink: Pick<InfluxSink, 'appendPoints'>;
  log: Logger;
  /** the points of one tick, at `now` (the scheduler's clock, epoch ms) */
  points: (now: number) => readonly Point[] | Promise<readonly Point[]>;
  /** default 60 s */
  periodMs?: number;
  /** the clock and the timer (tests: TestScheduler) */
  scheduler?: SchedulerLike;
}

/**
 * Writes state the gateway holds (tickets in SQLite, its own counters, the sites' data age) to InfluxDB
 * once at subscribe and then every `periodMs`, through the sink's spool like the readings, so Grafana
 * can show it. A tick that fails (the source throws, the spool refuses) is logged; the next one runs.
 */
export function writePeriodically(o: PeriodicWriterOptions): Subscription {
  const scheduler = o.scheduler ?? asyncScheduler;
  const warn = (err: unknown) => o.log.warn({ err: err instanceof Error ? err.message : String(err), writer: o.name }, 'state not written to InfluxDB; next period');
  const append = (ps: readonly Point[]) => {
    if (ps.length > 0) o.sink.appendPoints(ps);
  };
  return interval(o.periodMs ?? 60_000, scheduler)
    .pipe(startWith(-1))
    .subscribe(() => {
      try {
        const out = o.points(scheduler.now());
        if (out instanceof Promise) out.then(append).catch(warn);
        else append(out);
      } catch (err) {
        warn(err);
      }
    });
}
