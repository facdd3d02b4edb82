import { asyncScheduler, Subject, Subscription, type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { Registry } from '../../gateway/registry/schema.js';
import { localStamp, nextPatrolTime, periodEndingAt, sheetId, type PatrolPeriod } from './periods.js';
import type { PatrolStore } from './store.js';
import type { PatrolOverdue, PatrolSheet } from './types.js';

export interface PatrolSchedulerOptions {
  registry: Registry;
  store: PatrolStore;
  /** makes the sheet of a period (processor/patrol/sheet.ts over InfluxDB and the tickets) */
  produce: (period: PatrolPeriod, producedAt: number) => PatrolSheet | Promise<PatrolSheet>;
  /** the clock: delays go through it, so tests run it in virtual time (default asyncScheduler) */
  scheduler?: SchedulerLike;
  /** epoch ms; default scheduler.now() */
  now?: () => number;
  log: Logger;
}

export interface PatrolScheduler {
  start(): void;
  stop(): void;
  /** a sheet not signed off by an officer in time: for the alerts module to send to the section chief */
  readonly overdue$: Observable<PatrolOverdue>;
  /** sheets as they are stored */
  readonly produced$: Observable<PatrolSheet>;
}

/** officers who answer for at least one site: those whose part of a sheet must be signed */
export function patrolOfficers(registry: Registry): string[] {
  const withSites = new Set<string>();
  const enterprises = new Map(registry.enterprises.map((e) => [e.id, e]));
  for (const s of registry.sites) {
    const officer = (s.enterprise ? enterprises.get(s.enterprise)?.officer : undefined) ?? s.officer;
    if (officer) withSites.add(officer);
  }
  return registry.officers.map((o) => o.id).filter((id) => withSites.has(id));
}

/**
 * 每日2次巡查: at each configured time (registry `patrol.times`, park-local) makes and stores the sheet
 * of the period just ended; signOffWithinMs later, every officer who has not signed their part off is
 * reported on overdue$ once (recorded in the store, so a restart does not report it again).
 */
export function createPatrolScheduler(o: PatrolSchedulerOptions): PatrolScheduler {
  const scheduler = o.scheduler ?? asyncScheduler;
  const now = o.now ?? (() => scheduler.now());
  const cfg = o.registry.patrol;
  const tz = o.registry.park.timezone;
  const overdue$ = new Subject<PatrolOverdue>();
  const produced$ = new Subject<PatrolSheet>();
  let subs = new Subscription();
  const names = new Map(o.registry.officers.map((x) => [x.id, x.name]));

  /** runs fn after delayMs on the scheduler; stop() cancels it, and it is forgotten once run */
  const later = (fn: () => void, delayMs: number) => {
    let action: Subscription | undefined = undefined;
    let ran = false;
    action = scheduler.schedule(() => {
      ran = true;
      if (action) subs.remove(action);
      fn();
    }, Math.max(0, delayMs));
    if (!ran) subs.add(action);
  };

  const save = (sheet: PatrolSheet) => {
    o.store.save(sheet);
    o.log.info({ sheet: sheet.id }, 'patrol sheet stored');
    produced$.next(sheet);
  };

  const checkSignOff = (id: string, dueAt: number) => {
    const signed = new Set(o.store.signOffs(id).map((s) => s.officer));
    const sheet = o.store.get(id);
    // those with a site on the sheet: exactly whom the sign-off route lets sign
    const officers = sheet ? [...new Set(sheet.sites.map((s) => s.officer).filter(Boolean))] : patrolOfficers(o.registry);
    const due = localStamp(dueAt, tz);
    for (const officer of officers) {
      if (signed.has(officer) || !o.store.markAlerted(id, officer, now())) continue;
      const officerName = names.get(officer) ?? officer;
      const text = `【巡查未签收】${officerName}（${officer}）未在 ${due.date} ${due.time} 前签收巡查表 ${id}${sheet ? '' : '（巡查表未生成）'}，请科长督办。`;
      o.log.warn({ sheet: id, officer }, 'patrol sheet not signed off in time');
      overdue$.next({ key: `patrol:${id}|${officer}|overdue`, kind: 'patrol-overdue', sheet: id, officer, officerName, dueAt, at: now(), ...(cfg.chief ? { chief: cfg.chief } : {}), text });
    }
  };

  const patrolAt = (end: number) => {
    const period = periodEndingAt(end, cfg.times, tz);
    const producedAt = now();
    const dueAt = producedAt + cfg.signOffWithinMs;
    const id = sheetId(period, tz);
    later(() => checkSignOff(id, dueAt), dueAt - now());
    try {
      const made = o.produce(period, producedAt);
      if (made instanceof Promise) made.then(save, (err: unknown) => o.log.error({ err, sheet: id }, 'patrol sheet could not be made'));
      else save(made);
    } catch (err) {
      o.log.error({ err, sheet: id }, 'patrol sheet could not be made');
    }
  };

  const scheduleNext = () => {
    const at = nextPatrolTime(now(), cfg.times, tz);
    later(() => {
      patrolAt(at);
      scheduleNext();
    }, at - now());
  };

  return {
    overdue$: overdue$.asObservable(),
    produced$: produced$.asObservable(),
    start() {
      subs = new Subscription();
      scheduleNext();
    },
    stop() {
      subs.unsubscribe();
    },
  };
}
