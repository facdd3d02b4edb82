import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { RuleEvent } from '../rules/schema.js';
import type { TicketSummary } from '../tickets/types.js';
import { createSnapshotStore, createSnapshotTaker, type Fetcher, type SnapshotEvidence, type SnapshotFailedEvidence } from './index.js';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 2, 1, 2, 3, 0xff, 0xd9]);
const ev = (site: string, rule = 'ro-cod', over: Partial<RuleEvent> = {}): RuleEvent => ({ type: 'open', rule, ruleType: 'exceedance', category: 'exceedance', site, pollutant: 'w01018', ts: 0, ...over });
const ticket = (id: string) => ({ id }) as TicketSummary;
const silent = { info: () => {}, warn: () => {} };

/** a fetcher whose answers the test releases one by one */
function heldFetcher() {
  const held: { url: string; answer: (r: Response) => void }[] = [];
  const fetcher: Fetcher = (url) => new Promise<Response>((resolve) => held.push({ url, answer: resolve }));
  return { fetcher, held };
}

describe('snapshot taker', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const setup = (fetcher: Fetcher, o: { concurrency?: number; maxQueued?: number } = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'taker-'));
    dirs.push(dir);
    const recorded: { ticket: string; kind: string; data: SnapshotEvidence | SnapshotFailedEvidence }[] = [];
    const taker = createSnapshotTaker({ registry: loadRegistry(), store: createSnapshotStore({ dir, now: Date.now }), record: (ticket, kind, data) => void recorded.push({ ticket, kind, data }), fetcher, now: Date.now, log: silent, ...o });
    return { taker, recorded };
  };

  it('asks at most `concurrency` cameras at once, queues the rest, and shares one answer between the events of one site', async () => {
    const { fetcher, held } = heldFetcher();
    const { taker, recorded } = setup(fetcher, { concurrency: 2 });
    taker.respond(ev('RO-01'), ticket('WO-20261128-0001'));
    taker.respond(ev('RO-01', 'ro-dry-flow', { category: 'illicit-discharge', ruleType: 'dry-weather-flow' }), ticket('WO-20261128-0002'));
    taker.respond(ev('RO-02'), ticket('WO-20261128-0003'));
    taker.respond(ev('RO-03'), ticket('WO-20261128-0004'));
    await Promise.resolve();
    expect(held.map((h) => h.url)).toEqual(['http://127.0.0.1:15301/RO-01/snapshot.jpg', 'http://127.0.0.1:15301/RO-02/snapshot.jpg']);
    expect(taker.counters()).toMatchObject({ inFlight: 2, queued: 1 });
    held[0]!.answer(new Response(JPEG, { headers: { 'content-type': 'image/jpeg' } }));
    await new Promise((r) => setTimeout(r, 10));
    expect(held).toHaveLength(3); // RO-03 started when RO-01 finished
    held[1]!.answer(new Response('oops', { status: 503 }));
    held[2]!.answer(new Response('<html/>', { headers: { 'content-type': 'text/html' } }));
    await taker.idle();
    const snaps = recorded.filter((r) => r.kind === 'snapshot');
    expect(snaps.map((r) => r.ticket)).toEqual(['WO-20261128-0001', 'WO-20261128-0002']);
    // one request for RO-01: both tickets carry the same image
    expect(held.filter((h) => h.url.includes('RO-01'))).toHaveLength(1);
    expect(snaps[1]!.data).toEqual({ ...snaps[0]!.data, rule: 'ro-dry-flow', url: `/api/tickets/WO-20261128-0002/snapshots/${(snaps[0]!.data as SnapshotEvidence).id}` });
    expect(snaps[0]!.data).toMatchObject({ bytes: JPEG.length, site: 'RO-01' });
    expect(recorded.find((r) => r.ticket === 'WO-20261128-0003')).toMatchObject({ kind: 'snapshot-failed', data: { reason: 'http-status', status: 503 } });
    expect(recorded.find((r) => r.ticket === 'WO-20261128-0004')).toMatchObject({ kind: 'snapshot-failed', data: { reason: 'not-jpeg' } });
  });

  it('beyond the queue bound a snapshot is recorded as busy instead of piling up', async () => {
    const { fetcher, held } = heldFetcher();
    const { taker, recorded } = setup(fetcher, { concurrency: 1, maxQueued: 1 });
    taker.respond(ev('RO-01'), ticket('WO-20261128-0001'));
    taker.respond(ev('RO-02'), ticket('WO-20261128-0002'));
    taker.respond(ev('RO-03'), ticket('WO-20261128-0003'));
    expect(recorded).toMatchObject([{ ticket: 'WO-20261128-0003', kind: 'snapshot-failed', data: { reason: 'busy' } }]);
    held[0]!.answer(new Response('x', { status: 500 }));
    await new Promise((r) => setTimeout(r, 10));
    held[1]!.answer(new Response('x', { status: 500 }));
    await taker.idle();
    expect(recorded).toHaveLength(3);
  });

  it('takes no snapshot for clears, updates, device-level tickets or sites without a camera', async () => {
    const { fetcher, held } = heldFetcher();
    const { taker } = setup(fetcher);
    taker.respond(ev('RO-01', 'ro-cod', { type: 'clear' }), ticket('WO-20261128-0001'));
    taker.respond(ev('RO-01', 'ro-cod', { type: 'update' }), ticket('WO-20261128-0001'));
    taker.respond(ev('RO-01', 'no-data', { category: 'no-data', ruleType: 'no-data', pollutant: '*' }), ticket('WO-20261128-0002'));
    taker.respond(ev('WP-01', 'wp-cod'), ticket('WO-20261128-0003'));
    taker.respond(ev('RO-01'), undefined);
    expect(held).toEqual([]);
  });
});
