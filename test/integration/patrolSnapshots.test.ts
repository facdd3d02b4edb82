import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../gateway/http/server.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createPatrol, patrolCamera, registerPatrolRoutes, type Patrol } from '../../processor/patrol/index.js';
import { createSnapshotStore, type SnapshotStore } from '../../processor/snapshots/index.js';
import { createSqliteStore, type SqliteStore } from '../../processor/tickets/sqlite.js';
import { silentLog, tempDb } from '../../processor/tickets/testing/fixtures.js';
import { startCameraSimulator, type CameraSimulator } from '../../simulators/camera/index.js';
import { as, testAccess, type TestAccess } from '../helpers/principal.js';
import { waitFor } from '../helpers/wait.js';

const BASE = Date.parse('2026-11-27T16:20:00+08:00');
const SHEET = 'P-20261127-1630';
let cams: CameraSimulator;
let registry: Registry;
let tmp: ReturnType<typeof tempDb>;
let dir: string;
let db: SqliteStore;
let snapshots: SnapshotStore;
let patrol: Patrol;
let app: FastifyInstance;
let access: TestAccess;
let withCamera: string[];

beforeAll(async () => {
  const base = loadRegistry();
  withCamera = base.sites.filter((s) => s.camera).map((s) => s.id);
  cams = await startCameraSimulator({ sites: withCamera, flowing: (site) => site === 'RO-01', now: Date.now });
  // each camera pointed at the simulator; the second answers HTTP 500, the third a login page
  registry = { ...base, sites: base.sites.map((s) => (s.camera ? { ...s, camera: { ...s.camera, snapshotUrl: cams.url(s.id), timeoutMs: 5000 } } : s)) };
  cams.setMode(withCamera[1]!, 'error');
  cams.setMode(withCamera[2]!, 'not-jpeg');
  tmp = tempDb('patrol-snap-');
  dir = mkdtempSync(join(tmpdir(), 'patrol-snapshots-'));
  db = createSqliteStore({ file: tmp.file });
  db.start();
  snapshots = createSnapshotStore({ dir, now: Date.now });
  const clock = new VirtualTimeScheduler(VirtualAction, 15 * 60_000);
  patrol = createPatrol({ registry, db: db.db, tickets: db.tickets, query: async (st) => st.map(() => []), log: silentLog, scheduler: clock, now: () => BASE + clock.now(), camera: patrolCamera({ registry, store: snapshots, now: Date.now, log: silentLog }) });
  patrol.start();
  clock.flush();
  app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  access = testAccess();
  access.install(app);
  registerPatrolRoutes(app, patrol.store, { audit: access.audit, registry, image: (id) => snapshots.read(id) });
  await app.ready();
}, 60_000);

afterAll(async () => {
  patrol?.stop();
  await app?.close();
  access?.close();
  db?.stop();
  await cams?.close();
  tmp?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('rain outlet camera snapshots on the patrol sheet (camera simulator)', () => {
  it('takes a fresh snapshot of each camera when the sheet is made and records its id, or why there is none', async () => {
    expect(withCamera.length).toBeGreaterThanOrEqual(3);
    const sheet = await waitFor(() => patrol.store.get(SHEET), 'the sheet');
    for (const site of sheet.sites) {
      if (!withCamera.includes(site.site)) {
        expect(site.snapshot, site.site).toBeUndefined();
        continue;
      }
      const snap = site.snapshot!;
      if (site.site === withCamera[1]) expect(snap).toMatchObject({ failed: 'http-status', detail: 'HTTP 500' });
      else if (site.site === withCamera[2]) expect(snap).toMatchObject({ failed: 'not-jpeg' });
      else {
        if (!('id' in snap)) throw new Error(`${site.site}: no snapshot: ${JSON.stringify(snap)}`);
        // the very image the camera served, once, for this sheet
        const served = cams.served(site.site);
        expect(served).toHaveLength(1);
        expect(snap.sha256).toBe(served[0]!.sha256);
        expect(snap.id.startsWith(`${site.site}-`)).toBe(true);
        expect(snap.url).toBe(`/api/patrols/${SHEET}/snapshots/${snap.id}`);
        expect(createHash('sha256').update(snapshots.read(snap.id)!).digest('hex')).toBe(served[0]!.sha256);
      }
    }
  });

  it('serves the image authorised like the sheet: readers who see the site; others 404, bad ids 400', async () => {
    const sheet = patrol.store.get(SHEET)!;
    const entry = sheet.sites.find((s) => s.snapshot && 'id' in s.snapshot)!;
    const snap = entry.snapshot as { id: string; url: string; sha256: string };
    const chief = await app.inject({ method: 'GET', url: snap.url, headers: as('chief') });
    expect(chief.statusCode).toBe(200);
    expect(chief.headers['content-type']).toBe('image/jpeg');
    expect(createHash('sha256').update(chief.rawPayload).digest('hex')).toBe(snap.sha256);
    // the outlets' officer sees it; another officer does not (as for the sheet's sites)
    const own = sheet.sites.find((s) => s.site === entry.site)!.officer;
    const [mine, other] = own === 'OF-03' ? (['officer3', 'officer'] as const) : (['officer', 'officer3'] as const);
    expect((await app.inject({ method: 'GET', url: snap.url, headers: as(mine) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: snap.url, headers: as(other) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: snap.url, headers: as('anonymous') })).statusCode).toBe(401);
    // an image that exists but is not on this sheet
    expect((await app.inject({ method: 'GET', url: `/api/patrols/P-20261128-0830/snapshots/${snap.id}`, headers: as('chief') })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'GET', url: `/api/patrols/${SHEET}/snapshots/../../etc`, headers: as('chief') });
    expect([400, 404]).toContain(bad.statusCode);
    const malformed = await app.inject({ method: 'GET', url: `/api/patrols/${SHEET}/snapshots/not-a-snapshot`, headers: as('chief') });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toContain('snapshot id');
  });
});
