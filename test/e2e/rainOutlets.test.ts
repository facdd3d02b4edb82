import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../gateway/registry/schema.js';
import type { OutletState } from '../../processor/rules/rainMode.js';
import type { SnapshotEvidence, SnapshotFailedEvidence } from '../../processor/snapshots/index.js';
import type { Ticket } from '../../processor/tickets/types.js';
import { fastPark, startPark, type RunningPark } from '../helpers/park.js';
import { as } from '../helpers/principal.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;

/** rain-outlet rules shortened to seconds; cameras give up after 1.5 s */
function park(): Registry {
  return fastPark((r) => {
    r.rules = r.rules.map((rule) => {
      if (rule.type === 'exceedance' && rule.siteKind === 'rain_outlet') return { ...rule, durationMs: 2 * S, verificationMs: 10 * 60 * S };
      if (rule.type === 'dry-weather-flow') return { ...rule, durationMs: 2 * S };
      if (rule.type === 'no-data') return { ...rule, missedIntervals: 20 };
      return rule;
    });
    for (const s of r.sites) if (s.camera) s.camera.timeoutMs = 1500;
  });
}

const one = (ts: Ticket[], site: string, rule: string) => ts.filter((t) => t.site === site && t.rule === rule);
const evidenceOf = <T>(t: Ticket, kind: string) => t.evidence.filter((e) => e.kind === kind).map((e) => ({ at: e.at, ...(e.data as T) }));

/** mean grey level of the channel's lower band in the camera picture (djpeg, a real decoder), light when water flows */
function waterBand(jpeg: Buffer): number {
  const pgm = execFileSync('djpeg', ['-grayscale', '-pnm'], { input: jpeg });
  const m = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 32).toString('latin1'))!;
  const width = Number(m[1]);
  const px = pgm.subarray(m[0].length);
  let s = 0;
  for (let y = 88; y < 104; y++) for (let x = 40; x < 120; x++) s += px[y * width + x]!;
  return s / (16 * 80);
}

describe('rain outlets on the running park: dry-weather discharge with the camera snapshot, gate state', () => {
  let p: RunningPark;
  beforeAll(async () => {
    p = await startPark(park());
  }, 120_000);
  afterAll(async () => p?.close());

  it('dry-weather flow with COD 80 behind a closed gate: 晴天出水 and COD tickets, each with the snapshot the camera served when it fired, the gate state recorded', async () => {
    p.sims.signals.setValve('RO-03', false); // the outlet's gate reads closed (w99002 = 0)
    p.sims.signals.set('RO-03', 'w00000', 2.5);
    p.sims.signals.set('RO-03', 'w99001', 0.15);
    p.sims.signals.set('RO-03', 'w01018', 80);
    const withSnapshot = (rule: string) =>
      waitFor(async () => {
        const t = one(await p.tickets('site=RO-03'), 'RO-03', rule)[0];
        return t && evidenceOf<SnapshotEvidence>(t, 'snapshot').length ? t : undefined;
      }, `a ${rule} ticket at RO-03 with its snapshot`);
    for (const rule of ['ro-dry-flow', 'ro-cod']) {
      const t = await withSnapshot(rule);
      expect(t).toMatchObject({ status: 'open', officer: 'OF-03' });
      const [snap] = evidenceOf<SnapshotEvidence>(t, 'snapshot');
      expect(snap).toMatchObject({ site: 'RO-03', contentType: 'image/jpeg', camera: p.sims.cameras.url('RO-03'), path: `snapshots/${snap!.id}.jpg`, url: `/api/tickets/${t.id}/snapshots/${snap!.id}` });
      // taken when the rule fired: after the ticket opened, within the camera timeout
      expect(snap!.takenAt).toBeGreaterThanOrEqual(t.openedAt);
      expect(snap!.takenAt - t.openedAt).toBeLessThan(1500);
      // the officer gets the very bytes the camera served at that moment
      const res = await fetch(`http://127.0.0.1:${p.gw.httpPort}${snap!.url}`, { headers: as('officer3') });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const body = Buffer.from(await res.arrayBuffer());
      const served = p.sims.cameras.served('RO-03').find((s) => s.sha256 === snap!.sha256);
      expect(served, 'the camera served this image').toBeDefined();
      expect(body.equals(served!.bytes)).toBe(true);
      expect(createHash('sha256').update(body).digest('hex')).toBe(snap!.sha256);
      expect(body.length).toBe(snap!.bytes);
      expect(existsSync(join(p.dataDir, snap!.path))).toBe(true);
      expect(waterBand(body)).toBeGreaterThan(150); // the picture shows water in the channel
      // gate and mode at the time, in the event's context on the ticket
      const rain = evidenceOf<{ context: { rain: OutletState } }>(t, 'readings')[0]!.context.rain;
      expect(rain).toMatchObject({ mode: 'dry', flowing: true, gate: 'closed' });
    }
    // the gate state is stored like any other reading
    await waitFor(async () => {
      const rows = await p.influx.query<{ last: number }>(`SELECT last(value) FROM rain_outlet WHERE site = 'RO-03' AND pollutant = 'w99002'`);
      return rows[0]?.last === 0;
    }, 'RO-03 gate state 0 in InfluxDB');
    // a snapshot of another ticket, or an unknown one, is not served
    const cod = one(await p.tickets('site=RO-03'), 'RO-03', 'ro-cod')[0]!;
    const dry = one(await p.tickets('site=RO-03'), 'RO-03', 'ro-dry-flow')[0]!;
    const codSnap = evidenceOf<SnapshotEvidence>(cod, 'snapshot')[0]!;
    const dryIds = new Set(evidenceOf<SnapshotEvidence>(dry, 'snapshot').map((s) => s.id));
    if (!dryIds.has(codSnap.id)) expect((await fetch(`http://127.0.0.1:${p.gw.httpPort}/api/tickets/${dry.id}/snapshots/${codSnap.id}`, { headers: as('officer3') })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${p.gw.httpPort}/api/tickets/${cod.id}/snapshots/RO-03-1-000000000000`, { headers: as('officer3') })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${p.gw.httpPort}/api/tickets/${cod.id}/snapshots/..%2F..%2Fpark.db`, { headers: as('officer3') })).status).toBe(400);
  });

  it('a camera that does not answer is recorded as such, and the ticket opens without waiting for it', async () => {
    p.sims.cameras.setMode('RO-05', 'silent');
    p.sims.signals.set('RO-05', 'w00000', 3);
    p.sims.signals.set('RO-05', 'w01018', 75);
    const opened = await waitFor(async () => one(await p.tickets('site=RO-05'), 'RO-05', 'ro-cod')[0], 'a ro-cod ticket at RO-05');
    // seen open while the camera is still being asked
    expect(evidenceOf(opened, 'snapshot-failed')).toEqual([]);
    const t = await waitFor(async () => {
      const x = (await p.api<Ticket>(`/api/tickets/${opened.id}`)).body;
      return evidenceOf(x, 'snapshot-failed').length ? x : undefined;
    }, 'the failed snapshot on the RO-05 ticket');
    const [failed] = evidenceOf<SnapshotFailedEvidence>(t, 'snapshot-failed');
    expect(failed).toMatchObject({ site: 'RO-05', reason: 'timeout', camera: p.sims.cameras.url('RO-05'), rule: 'ro-cod' });
    expect(evidenceOf(t, 'snapshot')).toEqual([]);
    expect(t.status).toBe('open');
    // the camera was given its 1.5 s, and the ticket was stored before it gave up: the snapshot never held it up
    expect(failed!.at - failed!.askedAt).toBeGreaterThanOrEqual(1400);
    expect(t.openedAt).toBeLessThan(failed!.askedAt + 1400);
  });
});
