import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { Subscription, type SchedulerLike } from 'rxjs';
import type { Registry } from '../../gateway/registry/schema.js';
import type { InfluxQuery } from './influxQuery.js';
import { createPatrolScheduler, type PatrolScheduler } from './scheduler.js';
import { buildSheet, type TicketLister } from './sheet.js';
import { readPeriodStats } from './stats.js';
import { sqlitePatrolStore, type PatrolStore } from './store.js';
import { withSnapshots, type PatrolCamera } from './camera.js';
import type { PatrolOverdue, PatrolSheet } from './types.js';

export { registerPatrolRoutes, type PatrolRouteDeps } from './api.js';
export { influxQuery, type InfluxQuery } from './influxQuery.js';
export { patrolDelivery } from './notify.js';
export { digestNotices, groupDigest, officerDigest, overdueMessage, overdueNotice, sheetLink } from './digest.js';
export { patrolCamera, snapshotUrl, withSnapshots, type PatrolCamera } from './camera.js';
export type { PatrolStore } from './store.js';
export type { PatrolOverdue, PatrolSheet, SignOff } from './types.js';

export interface PatrolOptions {
  registry: Registry;
  /** the tickets' SQLite connection: the patrol's tables live in the same file */
  db: Database.Database;
  tickets: TicketLister;
  /** InfluxQL against the readings (InfluxDB 1.x) */
  query: InfluxQuery;
  log: Logger;
  scheduler?: SchedulerLike;
  /** epoch ms (default the scheduler's now(), else Date.now) */
  now?: () => number;
  /** a missed sign-off, for the alerts module (to the section chief); logged in any case */
  onOverdue?: (e: PatrolOverdue) => void;
  /** a sheet stored (its digests go out from here: notify.ts patrolDelivery) */
  onSheet?: (sheet: PatrolSheet) => void;
  /** the rain outlets' cameras: a fresh snapshot of each on the sheet it makes */
  camera?: PatrolCamera;
}

export interface Patrol {
  readonly store: PatrolStore;
  readonly scheduler: PatrolScheduler;
  start(): void;
  stop(): void;
}

/** 每日2次巡查: store, sheets from InfluxDB and the tickets at the configured times, missed sign-offs out. Constructing only wires. */
export function createPatrol(o: PatrolOptions): Patrol {
  const store = sqlitePatrolStore(o.db);
  const log = o.log.child({ component: 'patrol' });
  const scheduler = createPatrolScheduler({
    registry: o.registry,
    store,
    log,
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    now: o.now ?? (o.scheduler ? () => o.scheduler!.now() : Date.now),
    produce: async (period, producedAt) => {
      const sheet = buildSheet({ registry: o.registry, period, stats: await readPeriodStats(o.query, o.registry, period, o.registry.patrol.onlineBucketMs), tickets: o.tickets, producedAt });
      return o.camera ? withSnapshots(sheet, o.camera) : sheet;
    },
  });
  let sub = new Subscription();
  const guard = (f: () => void, msg: string) => {
    try {
      f();
    } catch (err) {
      log.error({ err }, msg);
    }
  };
  return {
    store,
    scheduler,
    start() {
      sub = scheduler.overdue$.subscribe((e) => guard(() => o.onOverdue?.(e), 'patrol overdue not handed over'));
      sub.add(scheduler.produced$.subscribe((sheet) => guard(() => o.onSheet?.(sheet), 'patrol digests not handed over')));
      scheduler.start();
    },
    stop() {
      scheduler.stop();
      sub.unsubscribe();
    },
  };
}
