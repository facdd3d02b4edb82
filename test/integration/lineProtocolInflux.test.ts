import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB, type IPoint } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createInfluxSink } from '../../processor/sinks/influx/index.js';
import { writeTicketEvents } from '../../processor/sinks/influx/ticketEvents.js';
import { indexSites } from '../../processor/sinks/lineProtocol/index.js';
import type { TicketChange } from '../../processor/tickets/service.js';
import { Subject } from 'rxjs';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { waitFor } from '../helpers/wait.js';

const log = createLogger('lp-test', 'silent');
let influx: RunningInflux;
const dirs: string[] = [];
const spoolDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lp-influx-'));
  dirs.push(d);
  return d;
};
beforeAll(async () => {
  influx = await startInflux();
});
afterAll(async () => {
  await influx?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);
const newDb = () => `lp_${randomBytes(4).toString('hex')}`;

/** The reference: the point the previous version built for the `influx` npm client (its own escaping and float text). */
function clientPoint(r: Reading, registry: Registry): IPoint {
  const site = indexSites(registry).get(r.site)!;
  return {
    measurement: site.kind,
    tags: { site: r.site, kind: site.kind, pollutant: r.pollutant, device: r.device, ...(site.enterprise ? { enterprise: site.enterprise } : {}) },
    fields: { value: r.value, flag: r.flag },
    timestamp: String(r.ts),
  };
}

const everything = (db: string) => influx.query<Record<string, unknown>>('SELECT * FROM /.*/ GROUP BY * ORDER BY time', db);

describe('line protocol: accepted by the real influxd and equal to what the influx client writes', () => {
  it('stores the same points, tag for tag and value for value, for odd names and edge-case floats', async () => {
    const registry: Registry = structuredClone(loadRegistry());
    registry.enterprises[0]!.name = '明弘 集团,化工=一期 "A" 路\\径';
    const wp = registry.sites.find((s) => s.enterprise === registry.enterprises[0]!.id)!;
    const dev = wp.devices[0]!.id;
    const values = [0, -0, -212.5, 1e-7, 1e21, -1e21, 0.1 + 0.2, 5, 4_000_000_000, Number.MAX_VALUE, Number.MIN_VALUE];
    const readings: Reading[] = values.map((value, i) => ({ site: wp.id, device: dev, pollutant: 'w01018', value, unit: 'mg/L', ts: T0 + i, flag: i % 2 ? 'M' : 'N', source: 'modbus' }));
    readings.push({ site: 'RO-01', device: 'RO-01-M', pollutant: 'w01001', value: 7.31, unit: '', ts: T0, flag: 'N', source: 'modbus' });

    const ours = newDb();
    const theirs = newDb();
    await influx.query(`CREATE DATABASE "${theirs}"`);
    const u = new URL(influx.url);
    await new InfluxDB({ host: u.hostname, port: Number(u.port), database: theirs }).writePoints(
      readings.map((r) => clientPoint(r, registry)),
      { precision: 'ms' },
    );
    const sink = createInfluxSink({ url: influx.url, database: ours, registry, log, flushMs: 20, spool: { dir: spoolDir() } });
    sink.start();
    sink.append(readings);
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsWritten: readings.length, writeErrors: 0, readingsRejected: 0 });

    const a = await everything(ours);
    const b = await everything(theirs);
    expect(a).toHaveLength(readings.length);
    expect(a).toEqual(b);
    expect(a.filter((r) => r._measurement === 'wastewater_pipe').map((r) => r.value)).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
    expect(a.find((r) => r._measurement === 'wastewater_pipe')).toMatchObject({ enterprise: '明弘 集团,化工=一期 "A" 路\\径' });
    const fields = await influx.query<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM wastewater_pipe', ours);
    expect(Object.fromEntries(fields.map((f) => [f.fieldKey, f.fieldType]))).toEqual({ flag: 'string', value: 'float' });
  });
});

describe('ticket annotations through the spool', () => {
  it('reach a database that does not exist yet: the first annotation after start is written', async () => {
    const db = newDb(); // not created
    const sink = createInfluxSink({ url: influx.url, database: db, registry: loadRegistry(), log, flushMs: 20, backoff: { initialMs: 20, maxMs: 100 }, spool: { dir: spoolDir() } });
    sink.start();
    const changes = new Subject<TicketChange>();
    const sub = writeTicketEvents(changes, { sink, log });
    const ticket = { id: 'T-1', site: 'WP-01', enterprise: 'E-01', category: 'exceedance', level: 'exceedance', status: 'open', rule: 'cod-limit', pollutant: 'w01018', count: 1 };
    changes.next({ type: 'opened', ticket, at: T0 } as unknown as TicketChange);
    changes.next({ type: 'updated', ticket, at: T0 + 1 } as unknown as TicketChange); // value updates are not annotations
    await waitFor(() => sink.counters.pointsWritten === 1, 'annotation written');
    sub.unsubscribe();
    await sink.stop();
    const rows = await influx.query<Record<string, unknown>>('SELECT * FROM tickets', db);
    expect(rows).toEqual([expect.objectContaining({ time: T0, id: 'T-1', change: 'opened', site: 'WP-01', status: 'open', level: 'exceedance', count: 1, text: expect.stringMatching(/^T-1 超标 opened: WP-01 w01018 cod-limit → open/) })]);
  });
});
