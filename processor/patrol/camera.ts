import type { Logger } from 'pino';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Camera } from '../../gateway/registry/camera.js';
import { cameraLabel, fetchSnapshot, type Fetcher } from '../snapshots/fetch.js';
import type { SnapshotStore } from '../snapshots/store.js';
import type { PatrolSheet, SiteSnapshot } from './types.js';

/** The rain outlets' cameras as the patrol asks them: one fresh snapshot per site with a camera. */
export interface PatrolCamera {
  /** sites with a camera */
  readonly sites: ReadonlySet<string>;
  /** one GET of the site's camera, the image stored (processor/snapshots store); the failure otherwise. Never rejects. */
  take(site: string, sheetId: string): Promise<SiteSnapshot>;
}

export interface PatrolCameraDeps {
  registry: Registry;
  /** the gateway's snapshot store (<DATA_DIR>/snapshots), shared with the tickets' snapshots */
  store: SnapshotStore;
  fetcher?: Fetcher;
  now: () => number;
  log: Pick<Logger, 'warn'>;
  /** largest image accepted (default 4 MiB, as the tickets' snapshots) */
  maxBytes?: number;
}

/** the URL of a sheet's snapshot on the gateway (api.ts serves it, authorised like the sheet) */
export const snapshotUrl = (sheetId: string, snapshotId: string) => `/api/patrols/${sheetId}/snapshots/${snapshotId}`;

export function patrolCamera(d: PatrolCameraDeps): PatrolCamera {
  const cameras = new Map<string, Camera>(d.registry.sites.flatMap((s) => (s.camera ? [[s.id, s.camera] as const] : [])));
  const fetcher: Fetcher = d.fetcher ?? ((url, init) => fetch(url, init));
  const maxBytes = d.maxBytes ?? 4 * 1024 * 1024;
  return {
    sites: new Set(cameras.keys()),
    async take(site, sheetId) {
      const camera = cameras.get(site);
      if (!camera) return { failed: 'network', detail: `site ${site} has no camera`, at: d.now() };
      const out = await fetchSnapshot(camera, { fetcher, now: d.now, maxBytes }).catch((err: Error) => ({ ok: false as const, reason: 'network' as const, detail: err.message, askedAt: d.now(), at: d.now() }));
      if (!out.ok) {
        d.log.warn({ site, camera: cameraLabel(camera), reason: out.reason, detail: out.detail, sheet: sheetId }, 'patrol camera snapshot failed');
        return { failed: out.reason, detail: out.detail, at: out.at };
      }
      try {
        const stored = d.store.put(site, out.takenAt, out.bytes);
        return { id: stored.id, takenAt: out.takenAt, bytes: stored.bytes, sha256: stored.sha256, url: snapshotUrl(sheetId, stored.id) };
      } catch (err) {
        d.log.warn({ site, sheet: sheetId, err: (err as Error).message }, 'patrol camera snapshot not stored');
        return { failed: 'store', detail: (err as Error).message, at: d.now() };
      }
    },
  };
}

/** The sheet with a fresh snapshot (or the failure) on each camera site's entry; at most `concurrency` cameras asked at once. */
export async function withSnapshots(sheet: PatrolSheet, camera: PatrolCamera, concurrency = 4): Promise<PatrolSheet> {
  const todo = sheet.sites.filter((s) => camera.sites.has(s.site)).map((s) => s.site);
  const got = new Map<string, SiteSnapshot>();
  const worker = async () => {
    for (let site = todo.shift(); site !== undefined; site = todo.shift()) got.set(site, await camera.take(site, sheet.id));
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  return { ...sheet, sites: sheet.sites.map((s) => (got.has(s.site) ? { ...s, snapshot: got.get(s.site)! } : s)) };
}
