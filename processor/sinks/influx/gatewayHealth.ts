import type { Point } from '../lineProtocol/index.js';

/** prom-client's Registry.getMetricsAsJSON(): what the gateway's /metrics shows, as data */
export interface MetricsSnapshot {
  getMetricsAsJSON(): Promise<{ name: string; values: { value: number; labels: Partial<Record<string, string | number>> }[] }[]>;
}

type Values = Awaited<ReturnType<MetricsSnapshot['getMetricsAsJSON']>>[number]['values'];
const sum = (vs: Values, where: (l: Values[number]['labels']) => boolean = () => true) => vs.filter((v) => where(v.labels)).reduce((a, v) => a + v.value, 0);

/**
 * The gateway's own health (gateway/metrics, the figures of GET /metrics) as InfluxDB points, for the
 * gateway-health dashboard where no Prometheus scrapes /metrics. Measurement `gateway_health`:
 * - without tags, the gateway: readings_accepted, readings_rejected, dead_letters, points_written,
 *   write_errors, points_dropped, influx_queue_points, spool_bytes, alerts_pending, devices_online,
 *   devices, mqtt_connected, uptime_s;
 * - tag `input` (modbus, mqtt, hj212 … every input the registry's devices use), per input: readings_in,
 *   readings_rejected (refused by the input), dead_letters, devices_online, devices.
 * Counters are totals since the gateway started (the panels take non_negative_derivative).
 */
export async function gatewayHealthPoints(metrics: MetricsSnapshot, inputs: readonly string[], startedAt: number, now: number): Promise<Point[]> {
  const m = new Map((await metrics.getMetricsAsJSON()).map((x) => [x.name, x.values]));
  const get = (name: string) => m.get(name) ?? [];
  const online = get('park_device_online');
  const gateway: Point = {
    measurement: 'gateway_health',
    fields: {
      readings_accepted: sum(get('park_readings_accepted_total')),
      readings_rejected: sum(get('park_readings_rejected_total')),
      dead_letters: sum(get('park_dead_letters_total')),
      points_written: sum(get('park_influx_points_written_total')),
      write_errors: sum(get('park_influx_write_errors_total')),
      points_dropped: sum(get('park_influx_points_dropped_total')),
      influx_queue_points: sum(get('park_influx_queue_points')),
      spool_bytes: sum(get('park_spool_bytes')),
      alerts_pending: sum(get('park_alerts_pending')),
      devices_online: sum(online),
      devices: online.length,
      mqtt_connected: sum(get('park_mqtt_connected')),
      uptime_s: Math.max(0, Math.round((now - startedAt) / 1000)),
    },
    timestamp: now,
  };
  const perInput = inputs.map(
    (input): Point => ({
      measurement: 'gateway_health',
      tags: { input },
      fields: {
        readings_in: sum(get('park_readings_in_total'), (l) => l.source === input),
        readings_rejected: sum(get('park_readings_rejected_total'), (l) => l.stage === input),
        dead_letters: sum(get('park_dead_letters_total'), (l) => l.source === input),
        devices_online: sum(online, (l) => l.protocol === input),
        devices: online.filter((v) => v.labels.protocol === input).length,
      },
      timestamp: now,
    }),
  );
  return [gateway, ...perInput];
}
