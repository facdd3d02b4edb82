import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createDeviceHealth } from '../../gateway/health/index.js';
import { createGatewayMetrics } from '../../gateway/metrics/index.js';
import type { Attribution } from '../../processor/attribution/index.js';
import { codTicket } from '../../processor/alerts/testing/fixtures.js';
import { attributionPoints } from '../../processor/sinks/influx/attribution.js';
import { gatewayHealthPoints } from '../../processor/sinks/influx/gatewayHealth.js';
import { createRose } from '../../processor/sinks/influx/rose.js';
import { createLastSeen, siteStatePoints } from '../../processor/sinks/influx/siteState.js';
import { ticketStatePoints } from '../../processor/sinks/influx/ticketState.js';
import type { InfluxSink } from '../../processor/sinks/influx/index.js';
import type { TicketSummary } from '../../processor/tickets/types.js';
import { deadlineOf } from '../../processor/tickets/aggregate.js';

const HOUR = 3_600_000;
/**
 * The tickets SQLite holds in the data set (the gateway's state writers read them): the three opened
 * tickets, one at WP-13 open for more than two days (past the 管控 deadline: overdue), one closed at WP-01 (counted nowhere).
 */
export function stateTickets(registry: Registry, now: number): TicketSummary[] {
  const officerOf = (site: string) => {
    const s = registry.sites.find((x) => x.id === site)!;
    return registry.enterprises.find((e) => e.id === s.enterprise)?.officer ?? s.officer!;
  };
  const t = (id: string, site: string, level: TicketSummary['level'], status: TicketSummary['status'], openedAt: number) =>
    {
    const deadline = deadlineOf(registry, level, openedAt);
    return codTicket({ id, site, enterprise: registry.sites.find((x) => x.id === site)!.enterprise, officer: officerOf(site), level, status, openedAt, ...(deadline !== undefined ? { deadline } : {}) });
  };
  return [
    t('WO-20261126-0001', 'WP-01', 'exceedance', 'open', now - 60_000),
    t('WO-20261126-0002', 'AQ-01', 'warning', 'acknowledged', now - 2 * 60_000),
    t('WO-20261126-0003', 'RO-01', 'control', 'rectifying', now - 3 * 60_000),
    t('WO-20261124-0001', 'WP-13', 'control', 'open', now - 50 * HOUR),
    t('WO-20261125-0001', 'WP-01', 'warning', 'closed', now - 30 * HOUR),
  ];
}

/** ticks of the gateway-health writer: a minute apart, the gateway started 200 s before the first */
export const HEALTH_TICKS = [3, 2, 1].map((m) => m * 60_000);
export const HEALTH_STARTED_BEFORE = 200_000;

/** one odor episode at AQ-01 with two ranked candidates */
export const attributionSample = (now: number): Attribution => {
  const c = (enterprise: string, name: string, score: number, distanceM: number, bearingDeg: number) => ({ enterprise, name, score, distanceM, bearingDeg, angleDeg: 5, angular: 0.9, distance: 0.5, emission: 1, stations: ['AQ-01'] });
  return {
    site: 'AQ-01',
    pollutant: 'a21001',
    rule: 'aq-nh3',
    at: now - 4 * 60_000,
    wind: null,
    sector: null,
    calm: false,
    candidates: [c('E-02', '林达科技', 0.61, 412.4, 44.6), c('E-03', '绿源生物科技', 0.22, 903.2, 51.2)],
    considered: 2,
    intersecting: [],
    top: { enterprise: 'E-02', name: '林达科技' },
    persistence: { priority: 'normal', episodes: 1, withinMs: 7 * 24 * HOUR },
    summary: '上风向 45°±30° (WS-01 风速 3.0 m/s)：疑似来源 1. 林达科技 412 m；2. 绿源生物科技 903 m',
  };
};

/**
 * What the gateway's writers add from its state, through the real sink, as the gateway does: site state
 * (the sites' data age from the readings, the tickets), ticket counts (ten minutes ago every ticket still
 * open, then the current state), three minutes of gateway health from a real metrics registry, the roses
 * from the readings, one attribution. Returns the points appended.
 */
export async function writeStateData(sink: Pick<InfluxSink, 'appendPoints'>, registry: Registry, readings: readonly Reading[], now: number): Promise<number> {
  let n = 0;
  const append = (ps: readonly Parameters<InfluxSink['appendPoints']>[0][number][]) => {
    sink.appendPoints(ps);
    n += ps.length;
  };
  const seen = createLastSeen();
  seen.observe(readings);
  const tickets = stateTickets(registry, now);
  append(siteStatePoints(registry, seen, tickets, now));
  append(ticketStatePoints(registry, tickets.map((t) => ({ ...t, status: 'open' as const })), now - 10 * 60_000));
  append(ticketStatePoints(registry, tickets, now));

  const metrics = createGatewayMetrics({ registry, processMetrics: false });
  const live = new Set(readings.filter((r) => now - r.ts < 60_000).map((r) => r.device));
  const health = createDeviceHealth(registry.sites.flatMap((s) => s.devices.map((d) => d.id)));
  for (const d of live) health.ok(d, now);
  const processor = { counters: { received: {}, accepted: 0, rejected: { 'out-of-range': 0 } as Record<string, number> } };
  const sinkCounters = { pointsWritten: 0, batchesWritten: 0, writeErrors: 0, pointsRejected: 0, pointsDropped: 0, pointsAbandoned: 0, readingsRejected: 0, queuedPoints: 7 };
  metrics.observe({ processor, sink: { counters: sinkCounters }, health, alertsPending: () => 2 });
  const inputs = [...new Set(registry.sites.flatMap((s) => s.devices.map((d) => d.kind)))];
  for (const before of HEALTH_TICKS) {
    readings.forEach(metrics.countReadingIn);
    processor.counters.accepted += readings.length;
    processor.counters.rejected['out-of-range']! += 1;
    sinkCounters.pointsWritten += readings.length;
    append(await gatewayHealthPoints(metrics.registry, inputs, now - HEALTH_TICKS[0]! - HEALTH_STARTED_BEFORE, now - before));
  }
  append(createRose(registry).points(readings));
  append(attributionPoints(attributionSample(now)));
  return n;
}
