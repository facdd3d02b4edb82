import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/** Retention of stored snapshots: all three bounds hold after every put (oldest removed first). */
export interface SnapshotRetention {
  /** at most this many images (default 2000: ~220 events per outlet) */
  maxCount: number;
  /** none older than this (default 90 days, a quarter of 整改 follow-up) */
  maxAgeMs: number;
  /** at most this many bytes in all (default 512 MiB) */
  maxBytes: number;
}

export const DEFAULT_RETENTION: SnapshotRetention = { maxCount: 2000, maxAgeMs: 90 * 24 * 3_600_000, maxBytes: 512 * 1024 * 1024 };

export interface StoredSnapshot {
  /** file name without extension: <site>-<takenAt>-<first 12 hex of sha256> */
  id: string;
  site: string;
  takenAt: number;
  bytes: number;
  /** hex SHA-256 of the image (list(): its first 12 hex digits, the part kept in the file name) */
  sha256: string;
}

export interface SnapshotStore {
  /** writes the image (temp file + rename) and applies the retention */
  put(site: string, takenAt: number, image: Buffer): StoredSnapshot;
  /** the image, or undefined when unknown or removed by the retention */
  read(id: string): Buffer | undefined;
  list(): StoredSnapshot[];
  /** removes what the retention no longer allows at `now`; returns the ids removed */
  prune(now: number): string[];
  readonly dir: string;
}

const ID = /^(RO|WP|AQ|WS)-\d{2}-\d{1,16}-[0-9a-f]{12}$/;
export const isSnapshotId = (id: string) => ID.test(id);

/**
 * JPEG snapshots on disk under `dir` (the gateway's <dataDir>/snapshots), one file each, named by site,
 * time and content hash. The index is the directory itself (read at creation), so a restart keeps what
 * is there and the retention applies to it too.
 */
export function createSnapshotStore(o: { dir: string; retention?: Partial<SnapshotRetention>; now: () => number }): SnapshotStore {
  const r: SnapshotRetention = { ...DEFAULT_RETENTION, ...o.retention };
  mkdirSync(o.dir, { recursive: true });
  const file = (id: string) => join(o.dir, `${id}.jpg`);
  // oldest first
  const index: StoredSnapshot[] = [];
  for (const name of readdirSync(o.dir)) {
    const id = name.replace(/\.jpg$/, '');
    if (!name.endsWith('.jpg') || !ID.test(id)) continue;
    const [site1, site2, at, sha] = id.split('-');
    index.push({ id, site: `${site1}-${site2}`, takenAt: Number(at), bytes: statSync(file(id)).size, sha256: sha! });
  }
  index.sort((a, b) => a.takenAt - b.takenAt || a.id.localeCompare(b.id));
  let total = index.reduce((n, s) => n + s.bytes, 0);

  const prune = (now: number): string[] => {
    const removed: string[] = [];
    while (index.length > 0 && (index.length > r.maxCount || total > r.maxBytes || now - index[0]!.takenAt > r.maxAgeMs)) {
      const s = index.shift()!;
      total -= s.bytes;
      try {
        unlinkSync(file(s.id));
      } catch {
        // already gone
      }
      removed.push(s.id);
    }
    return removed;
  };

  return {
    dir: o.dir,
    put(site, takenAt, image) {
      const sha256 = createHash('sha256').update(image).digest('hex');
      const id = `${site}-${Math.round(takenAt)}-${sha256.slice(0, 12)}`;
      if (!ID.test(id)) throw new Error(`not a snapshot id: ${id}`);
      const stored: StoredSnapshot = { id, site, takenAt, bytes: image.length, sha256 };
      if (!index.some((s) => s.id === id)) {
        const tmp = `${file(id)}.tmp`;
        writeFileSync(tmp, image);
        renameSync(tmp, file(id));
        let i = index.length;
        while (i > 0 && index[i - 1]!.takenAt > takenAt) i--;
        index.splice(i, 0, { ...stored, sha256: sha256.slice(0, 12) });
        total += image.length;
      }
      prune(o.now());
      return stored;
    },
    read(id) {
      if (!ID.test(id) || !index.some((s) => s.id === id)) return undefined;
      try {
        return readFileSync(file(id));
      } catch {
        return undefined;
      }
    },
    list: () => index.map((s) => ({ ...s })),
    prune,
  };
}
