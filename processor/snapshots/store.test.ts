import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSnapshotStore } from './store.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 28);
const img = (n: number, size = 1000) => Buffer.alloc(size, n);

describe('snapshot store retention', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'snapshots-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('keeps at most maxCount images, removing the oldest (files too)', () => {
    const dir = tmp();
    const store = createSnapshotStore({ dir, retention: { maxCount: 3 }, now: () => T0 + 10_000 });
    const ids = [1, 2, 3, 4, 5].map((n) => store.put('RO-01', T0 + n * 1000, img(n)).id);
    expect(store.list().map((s) => s.id)).toEqual(ids.slice(2));
    expect(readdirSync(dir).sort()).toEqual(ids.slice(2).map((id) => `${id}.jpg`).sort());
    expect(store.read(ids[0]!)).toBeUndefined();
    expect(store.read(ids[4]!)).toEqual(img(5));
  });

  it('keeps at most maxBytes in all', () => {
    const store = createSnapshotStore({ dir: tmp(), retention: { maxBytes: 2500 }, now: () => T0 }); // 2 images of 1000 B fit, 3 do not
    for (const n of [1, 2, 3, 4]) store.put('RO-02', T0 + n, img(n));
    const left = store.list();
    expect(left.map((s) => s.takenAt)).toEqual([T0 + 3, T0 + 4]);
    expect(left.reduce((n, s) => n + s.bytes, 0)).toBeLessThanOrEqual(2500);
  });

  it('removes images older than maxAgeMs, on put and on prune', () => {
    let now = T0;
    const store = createSnapshotStore({ dir: tmp(), retention: { maxAgeMs: 7 * DAY }, now: () => now });
    const old = store.put('RO-03', T0, img(1)).id;
    now = T0 + 6 * DAY;
    store.put('RO-03', now, img(2));
    expect(store.list()).toHaveLength(2);
    now = T0 + 8 * DAY;
    expect(store.prune(now)).toEqual([old]);
    expect(store.list().map((s) => s.takenAt)).toEqual([T0 + 6 * DAY]);
  });

  it('reads what is on disk at start-up (after a restart) and applies the retention to it', () => {
    const dir = tmp();
    const a = createSnapshotStore({ dir, now: () => T0 });
    const first = a.put('RO-04', T0, img(7, 300));
    a.put('RO-04', T0 + 1, img(8, 300));
    const b = createSnapshotStore({ dir, retention: { maxCount: 2 }, now: () => T0 + 2 });
    expect(b.read(first.id)).toEqual(img(7, 300));
    b.put('RO-04', T0 + 2, img(9, 300));
    expect(b.list().map((s) => s.takenAt)).toEqual([T0 + 1, T0 + 2]);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('names an image by site, time and content hash and refuses ids outside that form', () => {
    const store = createSnapshotStore({ dir: tmp(), now: () => T0 });
    const s = store.put('RO-05', T0, img(3));
    expect(s.id).toMatch(/^RO-05-\d+-[0-9a-f]{12}$/);
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(store.read('../../etc/passwd')).toBeUndefined();
  });
});
