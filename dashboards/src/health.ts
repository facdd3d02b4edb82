import type { Threshold } from '@grafana/grafana-foundation-sdk/dashboard';
import { GraphDrawStyle, ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { DS, FieldColorModeId, colors, target, thresholds, type Cell, type InfluxTarget } from './sdk.js';
import { timeseriesPanel } from './panels.js';

/**
 * The gateway's own health from measurement `gateway_health` (processor/sinks/influx/gatewayHealth.ts:
 * the figures of its GET /metrics, written every minute). Totals carry no tag (`"input" = ''`), the
 * per-input points the tag `input`; counters are totals since the gateway started, so the charts draw
 * their rate per minute (non_negative_derivative: a restart starts again at 0 without a negative dip).
 */
const GW = `"input" = '' AND $timeFilter`;
const PER_INPUT = `"input" != '' AND $timeFilter`;
const INPUT_ZH: Record<string, string> = { modbus: 'Modbus', mqtt: 'MQTT', hj212: 'HJ 212' };

/** a stat of one figure: its last value, coloured by thresholds */
export const statPanel = (title: string, t: InfluxTarget, unit: string, steps: Threshold[]): StatPanel =>
  new StatPanel()
    .title(title)
    .datasource(DS)
    .withTarget(t)
    .unit(unit)
    .colorScheme(colors(FieldColorModeId.Thresholds))
    .thresholds(thresholds(steps))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));

const stat = (title: string, field: string, unit: string, steps: Threshold[]) => statPanel(title, target('A', `SELECT last("${field}") AS "${field}" FROM "gateway_health" WHERE ${GW}`, { alias: title }), unit, steps);

const rate = (field: string, where: string) => `SELECT non_negative_derivative(last("${field}"), 1m) AS "${field}" FROM "gateway_health" WHERE ${where} GROUP BY time($__interval) fill(none)`;

const chart = (title: string, description: string, unit: string, targets: InfluxTarget[]) => timeseriesPanel(title).description(description).targets(targets).unit(unit).min(0).drawStyle(GraphDrawStyle.Line).lineWidth(1);

export function healthPanels(inputs: readonly string[]): Cell[] {
  const perInput = (field: string, suffix: string) => inputs.map((i) => target(`${field}_${i}`, rate(field, `"input" = '${i}' AND $timeFilter`), { alias: `${INPUT_ZH[i] ?? i} ${suffix}` }));
  const S = { w: 6, h: 4 };
  const H = { w: 12, h: 8 };
  return [
    [stat('运行时长 Uptime', 'uptime_s', 's', [{ color: 'red', value: null }, { color: 'green', value: 300 }]), S],
    [stat('设备在线 Devices online', 'devices_online', 'short', [{ color: 'red', value: null }, { color: 'green', value: 1 }]), S],
    [stat('MQTT 已连接 MQTT connected', 'mqtt_connected', 'short', [{ color: 'red', value: null }, { color: 'green', value: 1 }]), S],
    [stat('待发告警 Alerts pending', 'alerts_pending', 'short', [{ color: 'green', value: null }, { color: 'orange', value: 1 }, { color: 'red', value: 50 }]), S],
    [chart('读数入站（按输入） Readings in per input /min', 'park_readings_in_total per input', 'short', perInput('readings_in', '读数/分 readings/min')), H],
    [chart('拒收（按输入） Rejected per input /min', 'park_readings_rejected_total per input (messages or values the input refused)', 'short', perInput('readings_rejected', '拒收/分 rejected/min')), H],
    [
      chart('网关接收与拒收 Accepted and rejected /min', 'park_readings_accepted_total, park_readings_rejected_total, park_dead_letters_total', 'short', [
        target('acc', rate('readings_accepted', GW), { alias: '接收 accepted/min' }),
        target('rej', rate('readings_rejected', GW), { alias: '拒收 rejected/min' }),
        target('dl', rate('dead_letters', GW), { alias: '死信 dead letters/min' }),
      ]),
      H,
    ],
    [
      chart('写入InfluxDB Written to InfluxDB /min', 'park_influx_points_written_total, park_influx_write_errors_total, park_influx_points_dropped_total', 'short', [
        target('pw', rate('points_written', GW), { alias: '写入点 points/min' }),
        target('we', rate('write_errors', GW), { alias: '写入失败 write errors/min' }),
        target('pd', rate('points_dropped', GW), { alias: '丢弃点 dropped/min' }),
      ]),
      H,
    ],
    [chart('缓存积压 Spool backlog', 'park_spool_bytes: bytes in the on-disk spool', 'bytes', [target('sb', `SELECT last("spool_bytes") AS "spool_bytes" FROM "gateway_health" WHERE ${GW} GROUP BY time($__interval) fill(none)`, { alias: '缓存 spool bytes' })]), H],
    [chart('待写点数 Points queued', 'park_influx_queue_points', 'short', [target('q', `SELECT last("influx_queue_points") AS "queued" FROM "gateway_health" WHERE ${GW} GROUP BY time($__interval) fill(none)`, { alias: '待写 queued points' })]), H],
    [chart('设备在线（按输入） Devices online per input', 'park_device_online per protocol', 'short', [target('on', `SELECT last("devices_online") AS "online" FROM "gateway_health" WHERE ${PER_INPUT} GROUP BY time($__interval), "input" fill(none)`, { alias: '$tag_input 在线 online' })]), H],
    [chart('待发告警 Alerts pending', 'park_alerts_pending: alerts (WeCom, SMS) waiting in the outbox or in flight', 'short', [target('al', `SELECT last("alerts_pending") AS "pending" FROM "gateway_health" WHERE ${GW} GROUP BY time($__interval) fill(none)`, { alias: '待发 pending' })]), H],
  ];
}
