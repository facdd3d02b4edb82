import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { RegistrySchema, type Registry } from '../../gateway/registry/schema.js';

/** `single`: one reading per message; `full`: a device's whole channel set per message. */
export type LoadShape = 'single' | 'full';

/** One series: what InfluxDB keys a point by (with the timestamp). */
export interface LoadSeries {
  site: string;
  device: string;
  pollutant: string;
}

export interface LoadOptions {
  /** broker, e.g. mqtt://127.0.0.1:1884 */
  url: string;
  /** the MQTT devices of this registry are the publishers (see loadPark) */
  registry: Registry;
  /** readings per second, all series together (default 2000) */
  rate?: number;
  /** stop publishing after this long (default: until stop()) */
  durationMs?: number;
  shape?: LoadShape;
  /** default 1 */
  qos?: 0 | 1;
  /** most unacknowledged messages in flight; publishing waits beyond it (default 1000) */
  window?: number;
  /** value of the k-th reading of a series, k = 1, 2, 3 … (default k itself: a sequence number) */
  value?: (k: number, series: LoadSeries) => number;
  /** default the registry's inputs.mqtt.topicPrefix */
  topicPrefix?: string;
  clientId?: string;
  /** the broker login (one connection publishes every series: on the embedded broker a login allowed all their topics, or MQTT_ALLOW_ANONYMOUS) */
  username?: string;
  password?: string;
  /** publishing timer period (default 10 ms) */
  tickMs?: number;
}

export interface LoadGenerator {
  /** connects and starts publishing */
  start(): Promise<void>;
  /** stops publishing, waits (up to 30 s) until every message in flight is acknowledged, disconnects */
  stop(): Promise<void>;
  /** readings whose message the broker acknowledged (QoS 1; QoS 0: written to the socket) */
  produced(): number;
  /** produced readings per series, keyed `site/device/pollutant` */
  perSeries(): ReadonlyMap<string, number>;
  /** messages acknowledged, and publish attempts that failed */
  readonly messages: number;
  readonly errors: number;
  /** resolves once durationMs has passed and the generator has stopped */
  readonly done: Promise<void>;
}

interface Unit {
  topic: string;
  series: LoadSeries[];
  /** readings sent per series so far (k of the next reading is k + 1) */
  k: number;
  lastTs: number;
}

const seriesKey = (s: LoadSeries) => `${s.site}/${s.device}/${s.pollutant}`;

/**
 * A registry for load runs: only the fence-line and weather sites with MQTT devices (and only those
 * devices; a pipe's MQTT analysers report every 30-60 min and are left out), no rules, no upstream
 * platforms, and
 * the physical range of their channels widened to hold sequence numbers (values 1, 2, 3 … per series),
 * so every reading the generator sends is accepted and the exact count of points is known.
 */
export function loadPark(base: Registry, opts: { maxValue?: number } = {}): Registry {
  const r = structuredClone(base);
  r.sites = r.sites.flatMap((s) => {
    const devices = s.kind === 'air_fence' || s.kind === 'weather' ? s.devices.filter((d) => d.kind === 'mqtt') : [];
    return devices.length ? [{ ...s, devices, interlock: undefined }] : [];
  });
  r.rules = [];
  for (const e of r.enterprises) e.limits = []; // their overrides name rules
  r.upstreams = []; // load runs measure the gateway's ingest, not forwarding to a platform
  for (const s of r.sites) for (const d of s.devices) if (d.kind === 'mqtt') for (const c of d.channels) r.pollutants[c]!.max = Math.max(r.pollutants[c]!.max, opts.maxValue ?? 1e12);
  return RegistrySchema.parse(r);
}

/**
 * Publishes readings over MQTT at a target rate, as the registry's MQTT devices, on
 * `<prefix>/<site>/<device>/data` with the gateway's payload ({"ts", "values"}). Every series gets
 * strictly increasing timestamps (the wall clock, or 1 ms after its previous one), so each reading is a
 * distinct InfluxDB point and produced() is the exact number of points to expect. Constructing does
 * nothing; start() connects.
 */
export function createLoadGenerator(o: LoadOptions): LoadGenerator {
  const rate = o.rate ?? 2000;
  const shape = o.shape ?? 'full';
  const qos = o.qos ?? 1;
  const windowSize = o.window ?? 1000;
  const value = o.value ?? ((k: number) => k);
  const prefix = (o.topicPrefix ?? o.registry.inputs.mqtt.topicPrefix).replace(/\/+$/, '');
  if (!(rate > 0)) throw new RangeError(`load: rate must be > 0, got ${rate}`);
  const units: Unit[] = [];
  for (const site of o.registry.sites)
    for (const d of site.devices) {
      if (d.kind !== 'mqtt') continue;
      const topic = `${prefix}/${site.id}/${d.id}/data`;
      const all = d.channels.map((pollutant) => ({ site: site.id, device: d.id, pollutant }));
      if (shape === 'full') units.push({ topic, series: all, k: 0, lastTs: 0 });
      else for (const s of all) units.push({ topic, series: [s], k: 0, lastTs: 0 });
    }
  if (units.length === 0) throw new Error('load: the registry has no MQTT device to publish as');

  const counts = new Map<string, number>();
  let client: MqttClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let startedAt = 0;
  let scheduled = 0;
  let produced = 0;
  let messages = 0;
  let errors = 0;
  let inFlight = 0;
  let next = 0;
  let stopping: Promise<void> | undefined;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));

  function publishUnit(c: MqttClient, u: Unit): void {
    u.k++;
    u.lastTs = Math.max(Date.now(), u.lastTs + 1);
    const values: Record<string, number> = {};
    for (const s of u.series) values[s.pollutant] = value(u.k, s);
    const n = u.series.length;
    scheduled += n;
    inFlight++;
    c.publish(u.topic, JSON.stringify({ ts: u.lastTs, values }), { qos }, (err) => {
      inFlight--;
      if (err) return void errors++;
      messages++;
      produced += n;
      for (const s of u.series) counts.set(seriesKey(s), (counts.get(seriesKey(s)) ?? 0) + 1);
    });
  }

  // token bucket: by now rate × elapsed readings are due; publish units round-robin until they are sent
  function tick(): void {
    if (!client || stopping) return;
    const due = (rate * (Date.now() - startedAt)) / 1000;
    while (scheduled < due && inFlight < windowSize) {
      publishUnit(client, units[next]!);
      next = (next + 1) % units.length;
    }
  }

  const gen: LoadGenerator = {
    async start() {
      if (client) return;
      client = await mqtt.connectAsync(o.url, { clientId: o.clientId ?? `park-load-${randomUUID().slice(0, 8)}`, protocolVersion: 4, clean: true, reconnectPeriod: 1000, username: o.username, password: o.password });
      client.on('error', () => undefined); // reconnects on its own; QoS 1 messages wait in its store
      startedAt = Date.now();
      timer = setInterval(tick, o.tickMs ?? 10);
      if (o.durationMs !== undefined) stopTimer = setTimeout(() => void gen.stop(), o.durationMs);
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        clearTimeout(stopTimer);
        const deadline = Date.now() + 30_000;
        while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await client?.endAsync(inFlight > 0); // force: do not wait for acknowledgements that are not coming
        finish();
      })();
      return stopping;
    },
    produced: () => produced,
    perSeries: () => counts,
    get messages() {
      return messages;
    },
    get errors() {
      return errors;
    },
    done,
  };
  return gen;
}
