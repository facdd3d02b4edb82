import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../registry/loader.js';
import type { Hj212Device } from './config.js';
import { BackfillPlanner } from './backfill.js';
import { fileBackfillStore } from './backfillStore.js';

const device = loadRegistry().sites.find((s) => s.id === 'WP-31')!.devices[0] as Hj212Device;
const H = 3_600_000;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('back-fill planning', () => {
  it('turns a jump in DataTime into 1-hour requests, one in flight, and a restart keeps what is still to ask', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hj212-bf-'));
    dirs.push(dir);
    const file = join(dir, 'state.json');
    const t0 = Date.UTC(2026, 10, 27, 0);
    const now = () => t0 + 3 * H;
    const a = new BackfillPlanner(fileBackfillStore(file), now);
    expect(a.observe(device, t0)).toBe(false);
    expect(a.observe(device, t0 + 30_000)).toBe(false); // one interval: no gap
    expect(a.observe(device, t0 + 30_000 + 2.5 * H)).toBe(true);
    expect(a.observe(device, t0 + 60_000)).toBe(false); // older data (a back-filled answer) moves nothing
    expect(a.snapshot(device.mn).pending).toEqual([
      { begin: t0 + 31_000, end: t0 + 30_000 + H },
      { begin: t0 + 31_000 + H, end: t0 + 30_000 + 2 * H },
      { begin: t0 + 31_000 + 2 * H, end: t0 + 29_000 + 2.5 * H },
    ]);
    const first = a.next(device.mn)!;
    a.sent(device.mn, 'QN1', first, 60_000, () => undefined);
    expect(a.next(device.mn)).toBeUndefined(); // one at a time per logger
    expect(a.finish(device.mn, 'QN-other', 1)).toBe(false);
    expect(a.finish(device.mn, 'QN1', 1)).toBe(true);
    a.stop();
    // restarted: the two spans not yet asked for are still there
    const b = new BackfillPlanner(fileBackfillStore(file), now);
    expect(b.snapshot(device.mn).pending).toHaveLength(2);
    expect(b.snapshot(device.mn).done).toMatchObject([{ begin: first.begin, end: first.end, exeRtn: 1 }]);
    expect(b.next(device.mn)).toEqual({ begin: t0 + 31_000 + H, end: t0 + 30_000 + 2 * H });
    b.stop();
  });
});
