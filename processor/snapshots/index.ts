import type { Logger } from 'pino';
import type { Registry, Site } from '../../gateway/registry/schema.js';
import type { Camera } from '../../gateway/registry/camera.js';
import type { Responder } from '../respond.js';
import type { RuleEvent } from '../rules/schema.js';
import type { TicketSummary } from '../tickets/types.js';
import { cameraLabel, fetchSnapshot, type Fetcher, type FetchOutcome } from './fetch.js';
import type { SnapshotStore } from './store.js';

export { createSnapshotStore, DEFAULT_RETENTION, isSnapshotId, type SnapshotRetention, type SnapshotStore } from './store.js';
export type { Fetcher } from './fetch.js';

/** Evidence kind 'snapshot': the image stored under the data directory, served at `url`. */
export interface SnapshotEvidence {
  id: string;
  site: string;
  /** path relative to the data directory */
  path: string;
  bytes: number;
  sha256: string;
  contentType: string;
  /** epoch ms when the camera answered */
  takenAt: number;
  /** the camera's URL without credentials */
  camera: string;
  /** the rule event that asked for it */
  rule: string;
  /** GET this on the gateway's HTTP server for the image */
  url: string;
}

/** Evidence kind 'snapshot-failed': why there is no image. */
export interface SnapshotFailedEvidence {
  site: string;
  camera: string;
  reason: 'timeout' | 'http-status' | 'not-jpeg' | 'network' | 'too-large' | 'busy' | 'store';
  detail: string;
  status?: number;
  /** when the camera was asked, and when it failed */
  askedAt: number;
  at: number;
  rule: string;
}

export interface SnapshotTaker extends Responder {
  /** resolves when every snapshot asked for so far is stored and recorded (tests, shutdown) */
  idle(): Promise<void>;
  counters(): { taken: number; failed: number; inFlight: number; queued: number };
}

export interface SnapshotDeps {
  registry: Registry;
  store: SnapshotStore;
  /** records evidence on a ticket (TicketService.recordAction) */
  record: (ticketId: string, kind: 'snapshot' | 'snapshot-failed', data: SnapshotEvidence | SnapshotFailedEvidence) => void;
  fetcher?: Fetcher;
  now: () => number;
  log: Pick<Logger, 'info' | 'warn'>;
  /** cameras fetched at once (default 4); more wait in a queue of at most maxQueued (default 32), beyond it 'busy' */
  concurrency?: number;
  maxQueued?: number;
  /** largest image accepted (default 4 MiB) */
  maxBytes?: number;
  /** the store's directory relative to the data directory, for the evidence (default 'snapshots') */
  relDir?: string;
}

/** Which rule events at a site with a camera take a snapshot: an outlet rule that fires (dry-weather flow, quality). */
const wanted = (ev: RuleEvent) => ev.type === 'open' && (ev.category === 'illicit-discharge' || ev.category === 'exceedance');

/**
 * 可视监控: when an outlet rule opens an event at a site with a camera, one snapshot is fetched and
 * attached to the event's ticket. The work is started after the ticket is stored and never holds it up;
 * its result (image or failure) is recorded on the ticket when done. Events at one site while its
 * camera is being asked share the answer (one request per camera at a time, no retries); at most
 * `concurrency` cameras are asked at once.
 */
export function createSnapshotTaker(deps: SnapshotDeps): SnapshotTaker {
  const cameras = new Map<string, Camera>(deps.registry.sites.filter((s): s is Site & { camera: Camera } => s.camera !== undefined).map((s) => [s.id, s.camera]));
  const fetcher: Fetcher = deps.fetcher ?? ((url, init) => fetch(url, init));
  const limit = deps.concurrency ?? 4;
  const maxQueued = deps.maxQueued ?? 32;
  const maxBytes = deps.maxBytes ?? 4 * 1024 * 1024;
  const relDir = deps.relDir ?? 'snapshots';
  const inFlight = new Map<string, { waiters: { ticket: string; rule: string }[] }>();
  const queue: string[] = [];
  let running = 0;
  let taken = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();

  const settle = (site: string, camera: Camera, out: FetchOutcome) => {
    const job = inFlight.get(site)!;
    inFlight.delete(site);
    const label = cameraLabel(camera);
    let stored: ReturnType<SnapshotStore['put']> | undefined;
    let storeError: string | undefined;
    if (out.ok) {
      try {
        stored = deps.store.put(site, out.takenAt, out.bytes);
      } catch (err) {
        storeError = (err as Error).message;
      }
    }
    for (const w of job.waiters) {
      try {
        if (out.ok && stored) {
          taken++;
          deps.record(w.ticket, 'snapshot', {
            id: stored.id,
            site,
            path: `${relDir}/${stored.id}.jpg`,
            bytes: stored.bytes,
            sha256: stored.sha256,
            contentType: out.contentType,
            takenAt: out.takenAt,
            camera: label,
            rule: w.rule,
            url: `/api/tickets/${w.ticket}/snapshots/${stored.id}`,
          });
        } else {
          failed++;
          const f = out.ok ? { reason: 'store' as const, detail: storeError ?? 'not stored', askedAt: out.takenAt, at: out.takenAt } : out;
          deps.log.warn({ site, camera: label, reason: f.reason, detail: f.detail, ticket: w.ticket }, 'camera snapshot failed');
          deps.record(w.ticket, 'snapshot-failed', { site, camera: label, reason: f.reason, detail: f.detail, ...('status' in f && f.status !== undefined ? { status: f.status } : {}), askedAt: f.askedAt, at: f.at, rule: w.rule });
        }
      } catch (err) {
        deps.log.warn({ site, ticket: w.ticket, err: (err as Error).message }, 'snapshot evidence not recorded');
      }
    }
  };

  const start = (site: string) => {
    const camera = cameras.get(site)!;
    running++;
    const p = fetchSnapshot(camera, { fetcher, now: deps.now, maxBytes })
      .then((out) => settle(site, camera, out))
      .finally(() => {
        running--;
        pending.delete(p);
        const next = queue.shift();
        if (next !== undefined) start(next);
      });
    pending.add(p);
  };

  return {
    respond(ev: RuleEvent, ticket: TicketSummary | undefined) {
      if (!ticket || !wanted(ev) || !cameras.has(ev.site)) return;
      const job = inFlight.get(ev.site);
      if (job) {
        if (!job.waiters.some((w) => w.ticket === ticket.id)) job.waiters.push({ ticket: ticket.id, rule: ev.rule });
        return;
      }
      if (running >= limit && queue.length >= maxQueued) {
        failed++;
        deps.record(ticket.id, 'snapshot-failed', { site: ev.site, camera: cameraLabel(cameras.get(ev.site)!), reason: 'busy', detail: `${running} cameras being asked, ${queue.length} waiting`, askedAt: deps.now(), at: deps.now(), rule: ev.rule });
        return;
      }
      inFlight.set(ev.site, { waiters: [{ ticket: ticket.id, rule: ev.rule }] });
      if (running < limit) start(ev.site);
      else queue.push(ev.site);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    counters: () => ({ taken, failed, inFlight: running, queued: queue.length }),
  };
}
