import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../gateway/log.js';
import { createDeviceHealth } from '../../../gateway/health/index.js';
import { createGatewayMetrics } from '../../../gateway/metrics/index.js';
import { loadRegistry } from '../../../gateway/registry/loader.js';
import type { Reading } from '../../../gateway/model/reading.js';
import { codTicket } from '../../alerts/testing/fixtures.js';
import type { TicketSummary } from '../../tickets/types.js';
import type { Point } from '../lineProtocol/index.js';
import { gatewayHealthPoints } from './gatewayHealth.js';
import { staleAfterMs } from './siteState.js';
import { createStateWriters } from './stateWriters.js';
import { ticketStatePoints } from './ticketState.js';

const DAY = 86_400_000;

const registry = loadRegistry();
const log = createLogger('state-test', 'silent');
const reading = (site: string, ts: number, source: Reading['source'] = 'modbus'): Reading => ({ site, device: registry.sites.find((s) => s.id === site)!.devices[0]!.id, pollutant: 'w01018', value: 1, unit: '', ts, flag: 'N', source });
const pages = (tickets: TicketSummary[]) => ({ list: () => ({ tickets, total: tickets.length }) });

describe('the state writers of the dashboards', () => {
  it('write site state and ticket counts at start and every period on the injected scheduler: a site that stops sending turns 停报, a ticket turns overdue by the injected predicate', async () => {
    const scheduler = new VirtualTimeScheduler(undefined, 180_000);
    const points: Point[] = [];
    const metrics = createGatewayMetrics({ registry, processMetrics: false });
    const w = createStateWriters({ registry, sink: { appendPoints: (ps) => void points.push(...ps) }, log, metrics: metrics.registry, startedAt: 0, scheduler, isOverdue: (_t, now) => now >= 120_000 });
    w.observe([reading('RO-01', 0)]);
    const sub = w.start(pages([codTicket({ site: 'WP-01', enterprise: 'E-01', officer: 'OF-01', level: 'exceedance', status: 'acknowledged' })]));
    scheduler.flush();
    await vi.waitFor(() => expect(points.filter((p) => p.measurement === 'gateway_health' && !p.tags?.input)).toHaveLength(4));
    sub.unsubscribe();

    const ro01 = points.filter((p) => p.measurement === 'site_state' && p.tags!.site === 'RO-01');
    expect(staleAfterMs(registry, registry.sites.find((s) => s.id === 'RO-01')!)).toBeLessThan(60_000);
    expect(ro01.map((p) => [p.timestamp, p.fields.age_s, p.fields.stale, p.fields.state])).toEqual([
      [0, 0, 0, 0],
      [60_000, 60, 1, 4],
      [120_000, 120, 1, 4],
      [180_000, 180, 1, 4],
    ]);
    // never heard from since the start: stale, its age unknown; the ticket's level colours WP-01
    const wp01 = points.find((p) => p.measurement === 'site_state' && p.tags!.site === 'WP-01')!;
    expect(wp01.fields).toMatchObject({ stale: 1, state: 4, level: 3, open: 1, lat: registry.sites.find((s) => s.id === 'WP-01')!.location.lat });
    expect(wp01.fields.age_s).toBeUndefined();
    const e01 = points.filter((p) => p.measurement === 'ticket_state' && p.tags!.enterprise === 'E-01' && p.tags!.level === 'exceedance');
    expect(e01.map((p) => [p.timestamp, p.fields.open, p.fields.overdue])).toEqual([
      [0, 1, 0],
      [60_000, 1, 0],
      [120_000, 1, 1],
      [180_000, 1, 1],
    ]);
    expect(points.filter((p) => p.measurement === 'gateway_health' && !p.tags?.input).map((p) => p.fields.uptime_s)).toEqual([0, 60, 120, 180]);
  });

  it('a tick whose source throws is logged and the next one runs', () => {
    const scheduler = new VirtualTimeScheduler(undefined, 60_000);
    const points: Point[] = [];
    let calls = 0;
    const tickets = {
      list: () => {
        if (++calls === 1) throw new Error('database is locked');
        return { tickets: [], total: 0 };
      },
    };
    const w = createStateWriters({ registry, sink: { appendPoints: (ps) => void points.push(...ps) }, log, metrics: { getMetricsAsJSON: async () => [] }, startedAt: 0, scheduler });
    w.start(tickets);
    scheduler.flush();
    expect(new Set(points.filter((p) => p.measurement === 'site_state').map((p) => p.timestamp))).toEqual(new Set([60_000]));
  });
});

describe('ticket_state', () => {
  it('counts tickets not closed per enterprise, officer and level, overdue when past its deadline, every group of the registry written (zeros too)', () => {
    const now = 10 * DAY;
    const tickets = [
      codTicket({ id: 'a', openedAt: 0, deadline: now - 1 }),
      codTicket({ id: 'b', openedAt: 0, deadline: now }),
      codTicket({ id: 'c', status: 'closed', openedAt: 0, deadline: 0 }),
      codTicket({ id: 'd', site: 'RO-01', enterprise: undefined, officer: 'OF-01', level: 'control', status: 'rectifying', openedAt: 0, deadline: DAY }),
    ];
    const points = ticketStatePoints(registry, tickets, now);
    expect(points).toHaveLength((registry.enterprises.length + registry.officers.length) * 3);
    const at = (enterprise: string | undefined, level: string) => points.find((p) => p.tags!.enterprise === enterprise && p.tags!.officer === 'OF-01' && p.tags!.level === level)!.fields;
    expect(at('E-01', 'exceedance')).toEqual({ open: 2, overdue: 1 });
    expect(at(undefined, 'control')).toEqual({ open: 1, overdue: 1 });
    expect(at('E-01', 'warning')).toEqual({ open: 0, overdue: 0 });
  });
});

describe('gateway_health', () => {
  it('carries the figures of /metrics: readings in per input, accepted, rejected, devices online, spool, alerts pending, uptime', async () => {
    const metrics = createGatewayMetrics({ registry, processMetrics: false });
    const health = createDeviceHealth(['RO-01-M', 'AQ-01-V']);
    health.ok('AQ-01-V', 0);
    metrics.observe({ processor: { counters: { received: {}, accepted: 3, rejected: { 'out-of-range': 2 } } }, sink: { counters: { pointsWritten: 3, batchesWritten: 1, writeErrors: 1, pointsRejected: 0, pointsDropped: 0, pointsAbandoned: 0, readingsRejected: 0, queuedPoints: 4 } }, health, spool: { bytes: () => 512, full: () => false }, alertsPending: () => 5 });
    [reading('RO-01', 0), reading('RO-01', 1), reading('AQ-01', 0, 'mqtt')].forEach(metrics.countReadingIn);
    const [gw, ...inputs] = await gatewayHealthPoints(metrics.registry, ['modbus', 'mqtt'], 1000, 61_000);
    expect(gw).toMatchObject({ measurement: 'gateway_health', fields: { readings_accepted: 3, readings_rejected: 2, points_written: 3, write_errors: 1, influx_queue_points: 4, spool_bytes: 512, alerts_pending: 5, uptime_s: 60 }, timestamp: 61_000 });
    expect(gw!.tags).toBeUndefined();
    const byInput = Object.fromEntries(inputs.map((p) => [p.tags!.input, p.fields]));
    expect(byInput.modbus).toMatchObject({ readings_in: 2 });
    expect(byInput.mqtt).toMatchObject({ readings_in: 1, devices_online: 1 });
  });
});
