import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { pino } from 'pino';
import { TestScheduler } from 'rxjs/testing';
import { createPatrol } from '../../processor/patrol/index.js';
import { influxQuery } from '../../processor/patrol/influxQuery.js';
import { waitFor } from '../helpers/wait.js';
import { periodEndingAt } from '../../processor/patrol/periods.js';
import { buildSheet } from '../../processor/patrol/sheet.js';
import { readPeriodStats } from '../../processor/patrol/stats.js';
import { createReadingEncoder } from '../../processor/sinks/lineProtocol/index.js';
import { createSqliteStore, type SqliteStore } from '../../processor/tickets/sqlite.js';
import { tempDb } from '../../processor/tickets/testing/fixtures.js';
import type { TicketSummary } from '../../processor/tickets/types.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

const registry = loadRegistry();
const MIN = 60_000;
// the half day 08:30 → 16:30 Asia/Shanghai of 27 Nov 2026
const period = periodEndingAt(Date.parse('2026-11-27T08:30:00Z'), registry.patrol.times, registry.park.timezone);
const { start, end } = period;

const reading = (site: string, device: string, pollutant: string, ts: number, value: number, flag: Reading['flag'] = 'N'): Reading => ({ site, device, pollutant, ts, value, flag, unit: '', source: 'modbus' });

/** a known half day: WP-01 reporting all along with COD spikes and flagged values; WP-02 silent after 2 h with a constant COD */
function dataSet(): Reading[] {
  const out: Reading[] = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let t = start; t < end; t += MIN) out.push(reading('WP-01', 'WP-01-M', 'w00000', t, Math.round(rnd() * 500) / 100));
  for (let i = 0, t = start + 5 * MIN; t < end; t += 10 * MIN, i++) {
    const spike = i % 11 === 3; // above the 500 mg/L limit
    const warn = i % 7 === 1; // between 80 % and 100 % of it
    const value = spike ? 510 + i : warn ? 420 + i : 100 + Math.round(rnd() * 20_000) / 100;
    const flag: Reading['flag'] = i % 9 === 4 ? 'C' : i % 13 === 6 ? 'D' : 'N';
    out.push(reading('WP-01', 'WP-01-M', 'w01018', t, flag === 'N' ? value : 900, flag));
  }
  out.push(reading('WP-01', 'WP-01-M', 'w00000', end - 5000, 3)); // still reporting at the end: online
  out.push(reading('WP-01', 'WP-01-M', 'w99002', start + 60 * MIN, 1), reading('WP-01', 'WP-01-M', 'w99002', start + 300 * MIN, 0));
  for (let t = start; t < start + 120 * MIN; t += MIN) out.push(reading('WP-02', 'WP-02-M', 'w00000', t, 2 + ((t / MIN) % 5) / 10));
  for (let t = start; t < start + 120 * MIN; t += 30 * MIN) out.push(reading('WP-02', 'WP-02-M', 'w01018', t, 300));
  // outside the period: must not count
  out.push(reading('WP-01', 'WP-01-M', 'w01018', start - 1, 999), reading('WP-01', 'WP-01-M', 'w01018', end, 999), reading('WP-02', 'WP-02-M', 'w00000', end, 1));
  return out;
}

let influx: RunningInflux;
let db: SqliteStore;
let removeDb: () => void;

function ticket(id: string, site: string, openedAt: number, status: TicketSummary['status']): Omit<TicketSummary, 'version'> {
  const enterprise = registry.sites.find((s) => s.id === site)!.enterprise!;
  return { id, site, enterprise, officer: registry.enterprises.find((e) => e.id === enterprise)!.officer, pollutant: 'w01018', rule: `wp-cod-${id}`, category: 'exceedance', level: 'exceedance', status, openedAt, updatedAt: openedAt, firstSeen: openedAt, lastSeen: openedAt, count: 1, samples: 1, verificationMs: 3_600_000, ...(status === 'closed' ? { closedAt: openedAt + MIN } : {}) };
}

beforeAll(async () => {
  influx = await startInflux();
  const lines: string[] = [];
  const refused = createReadingEncoder(registry).encode(dataSet(), lines);
  expect(refused).toEqual([]);
  const res = await fetch(`${influx.url}/write?db=${influx.database}&precision=ms`, { method: 'POST', body: lines.join('\n') });
  expect(res.status).toBe(204);
  const tmp = tempDb();
  removeDb = tmp.remove;
  db = createSqliteStore({ file: tmp.file });
  db.start();
  db.tickets.insert(ticket('WO-20261127-0001', 'WP-01', start + 200 * MIN, 'open'));
  db.tickets.insert(ticket('WO-20261126-0001', 'WP-01', start - 600 * MIN, 'acknowledged'));
  db.tickets.insert(ticket('WO-20261127-0002', 'WP-02', start + 10 * MIN, 'closed'));
  db.tickets.insert(ticket('WO-20261127-0003', 'WP-02', end + MIN, 'open'));
}, 60_000);

afterAll(async () => {
  db?.stop();
  removeDb?.();
  await influx?.close();
});

interface Raw { site: string; device: string; pollutant: string; value: number; flag: string; time: number }

describe('patrol sheet from InfluxDB', () => {
  it('equals the figures computed here from the raw readings of the same half day', async () => {
    const stats = await readPeriodStats(influxQuery(influx.url, influx.database), registry, period, registry.patrol.onlineBucketMs);
    const sheet = buildSheet({ registry, period, stats, tickets: db.tickets, producedAt: end + MIN });
    expect(sheet.id).toBe('P-20261127-1630');
    expect(end - start).toBe(8 * 60 * MIN);

    const raw = await influx.query<Raw>(`SELECT "value", "flag", "device", "pollutant", "site" FROM "wastewater_pipe" WHERE time >= ${start}ms AND time < ${end}ms`);
    const bucket = registry.patrol.onlineBucketMs;
    for (const siteId of ['WP-01', 'WP-02']) {
      const site = sheet.sites.find((s) => s.site === siteId)!;
      const mine = raw.filter((r) => r.site === siteId);
      expect(site.received).toBe(mine.length);
      const enterprise = registry.enterprises.find((e) => e.id === site.enterprise)!;
      const limit = enterprise.limits.find((l) => l.pollutant === 'w01018')?.max ?? 500;
      for (const f of site.factors) {
        const valid = mine.filter((r) => r.pollutant === f.pollutant && r.flag === 'N').map((r) => r.value);
        expect(f.received, `${siteId} ${f.pollutant} received`).toBe(mine.filter((r) => r.pollutant === f.pollutant).length);
        expect(f.valid, `${siteId} ${f.pollutant} valid`).toBe(valid.length);
        if (valid.length) {
          expect(f.min).toBe(Math.min(...valid));
          expect(f.max).toBe(Math.max(...valid));
          expect(f.mean).toBeCloseTo(valid.reduce((a, b) => a + b, 0) / valid.length, 9);
        } else expect(f.mean).toBeUndefined();
        if (f.pollutant === 'w01018') {
          expect(f.limit?.max).toBe(limit);
          expect(f.exceedances, `${siteId} exceedances`).toBe(valid.filter((v) => v > limit).length);
          expect(f.warnings, `${siteId} warnings`).toBe(valid.filter((v) => v > 0.8 * limit && v <= limit).length);
        }
      }
      // every factor with a limit: valid values beyond it, counted here from the raw points
      for (const f of site.factors.filter((x) => x.limit)) {
        const valid = mine.filter((r) => r.pollutant === f.pollutant && r.flag === 'N').map((r) => r.value);
        const beyond = valid.filter((v) => (f.limit!.max !== undefined && v > f.limit!.max) || (f.limit!.min !== undefined && v < f.limit!.min));
        expect(f.exceedances, `${siteId} ${f.pollutant} exceedances`).toBe(beyond.length);
      }
      expect(site.exceedances).toBe(site.factors.reduce((n, f) => n + f.exceedances, 0));
      // completeness: what came against one value per channel per cycle (the map's cycleMs, else the device's interval), from the registry
      const dev = registry.sites.find((s) => s.id === siteId)!.devices[0]!;
      expect(dev.kind).toBe('modbus');
      const channels = dev.kind === 'modbus' ? registry.inputs.modbus.maps[dev.map]!.channels : [];
      const expected = channels.reduce((n, c) => n + Math.floor((end - start) / (c.cycleMs ?? dev.intervalMs)), 0);
      expect(site.devices[0]!.expected).toBe(expected);
      const counted = mine.filter((r) => channels.some((c) => c.pollutant === r.pollutant)).length;
      expect(site.completeness).toBeCloseTo(Math.min(100, (counted / expected) * 100), 2);
      // the valve: the last w99002 point of the half day
      const valvePoints = mine.filter((r) => r.pollutant === 'w99002').sort((a, b) => a.time - b.time);
      if (valvePoints.length) expect(site.valve).toEqual({ value: valvePoints.at(-1)!.value, at: valvePoints.at(-1)!.time });
      else expect(site.valve).toBeUndefined();
      const device = site.devices[0]!;
      const times = mine.map((r) => r.time);
      expect(device.online).toBeCloseTo((new Set(times.map((t) => Math.floor((t - start) / bucket))).size / Math.ceil((end - start) / bucket)) * 100, 1);
      expect(device.lastAt).toBe(Math.max(...times));
      // offline: nothing in the last 3 intervals (5 s) of the period
      expect(device.offline).toBe(Math.max(...times) < end - registry.patrol.offlineIntervals * 5000);
    }
    // every other site had nothing in InfluxDB for that half day: nothing received, offline, no figures
    const silent = sheet.sites.filter((s) => s.site !== 'WP-01' && s.site !== 'WP-02');
    expect(silent.length).toBeGreaterThan(10);
    const allRaw = [...new Set(registry.sites.map((s) => s.kind))];
    for (const kind of allRaw) {
      const rows = await influx.query<Raw>(`SELECT "value", "site" FROM "${kind}" WHERE time >= ${start}ms AND time < ${end}ms`);
      for (const s of silent.filter((x) => x.kind === kind)) expect(rows.filter((r) => r.site === s.site), s.site).toEqual([]);
    }
    for (const s of silent) {
      expect([s.received, s.completeness, s.online, s.exceedances, s.warnings], s.site).toEqual([0, 0, 0, 0, 0]);
      expect(s.offlineDevices, s.site).toEqual(s.devices.map((d) => d.device));
      expect(s.factors.every((f) => f.valid === 0 && f.mean === undefined), s.site).toBe(true);
    }
    const wp1 = sheet.sites.find((s) => s.site === 'WP-01')!;
    const wp2 = sheet.sites.find((s) => s.site === 'WP-02')!;
    // the data set was made to have spikes, warnings, excluded flags, a shut valve, an offline device and a flatline
    const cod1 = wp1.factors.find((f) => f.pollutant === 'w01018')!;
    expect(cod1.exceedances).toBeGreaterThan(0);
    expect(cod1.warnings).toBeGreaterThan(0);
    expect(cod1.valid).toBeLessThan(cod1.received);
    expect(cod1.max).toBeLessThan(900); // the flagged 900s do not count
    expect(wp1.valve).toEqual({ value: 0, at: start + 300 * MIN });
    expect(wp1.offlineDevices).toEqual([]);
    expect(wp2.offlineDevices).toEqual(['WP-02-M']);
    expect(wp2.flatlinedFactors).toEqual(['w01018']);
    // flow every minute where the device's interval is 5 s: completeness 1/12
    const flowWp1 = wp1.factors.find((f) => f.pollutant === 'w00000')!;
    expect(flowWp1.received).toBe(481);
    expect(wp1.devices[0]!.expected).toBeGreaterThan(480 * 12 - 1);
    expect(wp1.ticketsOpened).toEqual(['WO-20261127-0001']);
    expect(wp1.ticketsOpen.sort()).toEqual(['WO-20261126-0001', 'WO-20261127-0001']);
    expect(wp2.ticketsOpened).toEqual(['WO-20261127-0002']);
    expect(wp2.ticketsOpen).toEqual([]);
    // per officer, their enterprises first
    const part = sheet.officers.find((o) => o.officer === wp1.officer)!;
    expect(part.enterprises.flatMap((e) => e.sites)).toContain('WP-01');
  }, 60_000);

  it('is what the gateway\'s patrol makes and stores at 16:30 (scheduler time)', async () => {
    const query = influxQuery(influx.url, influx.database);
    const expected = buildSheet({ registry, period, stats: await readPeriodStats(query, registry, period, registry.patrol.onlineBucketMs), tickets: db.tickets, producedAt: end });
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const patrol = createPatrol({ registry, db: db.db, tickets: db.tickets, query, log: pino({ level: 'silent' }), scheduler: ts, now: () => end - 10 * MIN + ts.now() });
    ts.run(() => {
      patrol.start();
      ts.schedule(() => patrol.stop(), 20 * MIN);
    });
    const stored = await waitFor(() => patrol.store.get('P-20261127-1630'), 'the stored sheet');
    expect(stored).toEqual(expected);
  }, 60_000);
});
