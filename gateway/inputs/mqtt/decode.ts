import type { z } from 'zod';
import type { Reading } from '../../model/reading.js';
import type { Pollutant, Registry, Site } from '../../registry/schema.js';
import type { MqttDevice, MqttInputConfig } from './config.js';
import { checkPayload } from './payload.js';

/** Why a message (or one value in it) was refused; used verbatim as the dead-letter counter label. */
export type RejectReason =
  | 'topic-outside-scheme'
  | 'payload-too-large'
  | 'empty-payload'
  | 'malformed-json'
  | 'invalid-payload'
  | 'unknown-site'
  | 'unknown-device'
  | 'device-not-at-site'
  | 'unknown-channel'
  | 'identity-mismatch';

export interface Reject {
  reason: RejectReason;
  /** what, where, why, e.g. `AQ-03/AQ-03-V: values.a21028: expected number, received string` */
  detail: string;
}

export interface DecodeResult {
  readings: Reading[];
  rejects: Reject[];
  /** the registered MQTT device the topic names, when the topic identified one */
  device?: string;
}

/** Registry lookups the decoder needs, built once per input start. */
export interface MqttIndex {
  sites: ReadonlyMap<string, Site>;
  /** every device id in the park (any protocol) → its site id and, for MQTT devices, the device */
  devices: ReadonlyMap<string, { site: string; kind: string; mqtt?: MqttDevice; channels?: ReadonlySet<string> }>;
  pollutants: Readonly<Record<string, Pollutant>>;
}

export function buildIndex(registry: Registry): MqttIndex {
  const sites = new Map<string, Site>();
  const devices = new Map<string, { site: string; kind: string; mqtt?: MqttDevice; channels?: ReadonlySet<string> }>();
  for (const site of registry.sites) {
    sites.set(site.id, site);
    for (const d of site.devices) devices.set(d.id, d.kind === 'mqtt' ? { site: site.id, kind: d.kind, mqtt: d, channels: new Set(d.channels) } : { site: site.id, kind: d.kind });
  }
  return { sites, devices, pollutants: registry.pollutants };
}

/** `<prefix>/<site>/<device>/data` → site and device ids, or undefined when the topic does not follow the scheme. */
export function parseTopic(topic: string, topicPrefix: string): { site: string; device: string } | undefined {
  const prefix = topicPrefix.replace(/\/+$/, '');
  if (!topic.startsWith(prefix + '/')) return undefined;
  const levels = topic.slice(prefix.length + 1).split('/');
  if (levels.length !== 3 || levels[2] !== 'data') return undefined;
  const [site, device] = levels;
  if (!site || !device) return undefined;
  return { site, device };
}

function describe(issue: z.core.$ZodIssue): string {
  const clean = (m: string) => m.replace(/^Invalid input: /, '').replace(/received undefined$/, 'missing');
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    return issue.errors.map((branch) => branch.map((i) => clean(i.message)).join(', ')).join(' | ');
  }
  return clean(issue.message);
}

/** One line per zod issue: `path: message` (path `(payload)` for the top level). */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(payload)'}: ${describe(i)}`).join('; ');
}

function epochMs(ts: number | string): number {
  return typeof ts === 'number' ? ts : Date.parse(ts);
}

const reject = (reason: RejectReason, detail: string, device?: string): DecodeResult => ({ readings: [], rejects: [{ reason, detail }], device });

/**
 * Decodes one MQTT message into Readings. Pure: no I/O, no clock. Checks, in order: topic scheme, site,
 * device (known, MQTT, at that site), size (before reading the bytes), empty, JSON, payload schema (a
 * hand-written check of the common shape, zod to explain a refusal: payload.ts); then each value: a code
 * the device is not configured for is refused alone ('unknown-channel') and the other values are kept.
 * The timestamp is passed on as epoch ms; its bounds are judged once, by the processor (validate).
 */
export function decodeMessage(topic: string, payload: Buffer, index: MqttIndex, cfg: Pick<MqttInputConfig, 'topicPrefix' | 'maxPayloadBytes'>): DecodeResult {
  const ids = parseTopic(topic, cfg.topicPrefix);
  if (!ids) return reject('topic-outside-scheme', `${topic}: topic does not match ${cfg.topicPrefix}/<site>/<device>/data`);
  const where = `${ids.site}/${ids.device}`;
  if (!index.sites.has(ids.site)) return reject('unknown-site', `${where}: site ${ids.site} is not in the registry`);
  const entry = index.devices.get(ids.device);
  if (!entry) return reject('unknown-device', `${where}: device ${ids.device} is not in the registry`);
  if (entry.site !== ids.site) return reject('device-not-at-site', `${where}: device ${ids.device} belongs to site ${entry.site}, not ${ids.site}`);
  const device = entry.mqtt;
  const configured = entry.channels;
  if (!device || !configured) return reject('unknown-device', `${where}: device ${ids.device} is a ${entry.kind} device, not an MQTT device`);

  if (payload.length > cfg.maxPayloadBytes) {
    return reject('payload-too-large', `${where}: payload is ${payload.length} bytes, limit is ${cfg.maxPayloadBytes}`, device.id);
  }
  const text = payload.toString('utf8');
  if (text.trim() === '') return reject('empty-payload', `${where}: payload is empty (${payload.length} bytes)`, device.id);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return reject('malformed-json', `${where}: ${(err as Error).message}`, device.id);
  }
  const parsed = checkPayload(doc);
  if (!parsed.ok) return reject('invalid-payload', `${where}: ${formatIssues(parsed.issues)}`, device.id);

  // a reading whose identity does not match its content is refused, never written, never judged (issue 11)
  const named = parsed.payload;
  if ((named.site !== undefined && named.site !== ids.site) || (named.device !== undefined && named.device !== ids.device)) {
    return reject('identity-mismatch', `${where}: the payload names ${named.site ?? ids.site}/${named.device ?? ids.device}, the topic ${where}`, device.id);
  }
  const { values, flags } = parsed.payload;
  const ts = epochMs(parsed.payload.ts);
  if (ts < 0) return reject('invalid-payload', `${where}: ts: ${String(parsed.payload.ts)} is before 1970-01-01T00:00:00Z`, device.id);
  const result: DecodeResult = { readings: [], rejects: [], device: device.id };
  for (const code in values) {
    const value = values[code]!;
    const pollutant = index.pollutants[code];
    if (!configured.has(code) || !pollutant) {
      const why = pollutant ? `not a channel of ${device.id} (configured: ${device.channels.join(', ')})` : 'not in the pollutant catalogue';
      result.rejects.push({ reason: 'unknown-channel', detail: `${where}: values.${code}: ${why}` });
      continue;
    }
    result.readings.push({
      site: ids.site,
      device: device.id,
      pollutant: code,
      value,
      unit: pollutant.unit,
      ts,
      flag: flags?.[code] ?? 'N',
      source: 'mqtt',
    });
  }
  return result;
}
