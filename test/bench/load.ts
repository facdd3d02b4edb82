import type { Registry } from '../../gateway/registry/schema.js';

/** One MQTT device the load publishes for. */
export interface LoadDevice {
  site: string;
  device: string;
  channels: string[];
}

/** `single`: one reading per message; `full`: the device's full channel set per message. */
export type Shape = 'single' | 'full';

export interface PublisherPlan {
  url: string;
  /** topic prefix, e.g. bench/ab12/park/v1 */
  prefix: string;
  clientId: string;
  devices: LoadDevice[];
  shape: Shape;
  /** this publisher's share of the offered rate */
  readingsPerSec: number;
  durationMs: number;
  /**
   * Timestamps: message k of a series (device, or device+channel) carries tsBase + k × of + index, so
   * every point of every publisher is unique in InfluxDB and the run's points fill [tsBase, tsEnd).
   */
  tsBase: number;
  index: number;
  of: number;
  qos: 0 | 1;
  /** most unacknowledged QoS 1 messages in flight */
  window: number;
}

export interface PublisherResult {
  messages: number;
  readings: number;
  acked: number;
  /** epoch ms: first and last message written */
  startedAt: number;
  endedAt: number;
  /** last PUBACK (QoS 1) */
  ackedAt: number;
  /** highest timestamp used (exclusive bound: tsEnd) */
  tsEnd: number;
  /** time spent behind schedule because the QoS 1 window was full or the socket did not drain: back-pressure from the broker */
  blockedMs: number;
}

/** The park's MQTT devices of fence-line stations (AQ-xx): the devices that report at high rates. */
export function airDevices(registry: Registry): LoadDevice[] {
  return registry.sites
    .filter((s) => s.kind === 'air_fence')
    .flatMap((s) => s.devices.flatMap((d) => (d.kind === 'mqtt' ? [{ site: s.id, device: d.id, channels: [...d.channels] }] : [])));
}

/** A value inside every limit of the park's rules (no ticket opens in the background load), varying so no flatline. */
const SAFE: Record<string, [number, number]> = {
  a21028: [0.002, 0.04], // H2S, limit 0.06 mg/m3
  a21001: [0.05, 1.0], // NH3, limit 1.5 mg/m3
  a99001: [2, 15], // odor, limit 20
  a24088: [0.3, 2.5], // NMHC, 1 h mean limit 4.0 mg/m3
};

export function safeValue(code: string, k: number, u: number): number {
  const [lo, hi] = SAFE[code] ?? [1, 10];
  const frac = (k * 0.6180339887 + u * 0.1031) % 1;
  return Math.round((lo + (hi - lo) * frac) * 1e4) / 1e4;
}

/** Publishing units: a device (full) or a device's channel (single). */
export function unitsOf(devices: LoadDevice[], shape: Shape): { device: LoadDevice; channels: string[] }[] {
  return shape === 'full' ? devices.map((d) => ({ device: d, channels: d.channels })) : devices.flatMap((d) => d.channels.map((c) => ({ device: d, channels: [c] })));
}

export function topicOf(prefix: string, d: LoadDevice): string {
  return `${prefix}/${d.site}/${d.device}/data`;
}

/** JSON payload of the MQTT input (gateway/inputs/mqtt/README.md): {"ts":…,"values":{code:value}}. */
export function payloadOf(ts: number, channels: string[], k: number, u: number): string {
  let values = '';
  for (const c of channels) values += `${values ? ',' : ''}"${c}":${safeValue(c, k, u)}`;
  return `{"ts":${ts},"values":{${values}}}`;
}

/** Splits a total rate over `of` publishers; all get the same timestamp scheme with their own index. */
export function planPublishers(base: Omit<PublisherPlan, 'readingsPerSec' | 'index' | 'clientId'>, totalReadingsPerSec: number, clientTag: string): PublisherPlan[] {
  return Array.from({ length: base.of }, (_, index) => ({ ...base, index, readingsPerSec: totalReadingsPerSec / base.of, clientId: `bench-pub-${clientTag}-${index}` }));
}

/** Why the offered rate fell short: back-pressure from the broker (QoS 1 window full) or publishers short of CPU. */
export function offerReason(results: PublisherResult[], offered: number): string {
  const span = Math.max(1, Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt)));
  const blocked = Math.max(...results.map((r) => r.blockedMs)) / span;
  return blocked > 0.1
    ? `back-pressure: only ${Math.round(offered)}/s acknowledged (QoS 1 window full ${Math.round(blocked * 100)} % of the time)`
    : `publishers offered only ${Math.round(offered)}/s`;
}
