import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import type { DeadLetterStore } from '../deadLetter/index.js';
import type { DeviceHealth } from '../health/index.js';
import type { ConnectionEvents } from '../inputs/types.js';
import type { Reading } from '../model/reading.js';
import type { Registry as ParkRegistry } from '../registry/schema.js';
import type { ProcessorCounters } from '../../processor/index.js';
import type { MeansCounters } from '../../processor/means/index.js';
import type { InfluxSinkCounters, PointWriter } from '../../processor/sinks/influx/index.js';
import type { TicketFilter, TicketPage } from '../../processor/tickets/types.js';
import { TicketCategorySchema, TICKET_STATUSES } from '../../processor/tickets/types.js';
import { registerBrokerMetrics, type BrokerCountsSource } from './broker.js';
import { countDeadLetters, LabelledCounts, readingsInCounter, timedWriter, trackConnections, type ConnectionState } from './hooks.js';

import { createReadiness, influxPing, mqttConnected, spoolNotFull, type Readiness } from './readiness.js';

export { createReadiness, influxPing, mqttConnected, spoolNotFull, type CheckResult, type Readiness, type ReadinessCheck, type ReadinessReport } from './readiness.js';
export type { ConnectionState } from './hooks.js';
export type { BrokerCountsSource } from './broker.js';

/** The on-disk spool of the InfluxDB writer, as metrics and /readyz see it. */
export interface SpoolStatus {
  /** bytes held on disk */
  bytes(): number;
  /** true when the spool cannot take more (the gateway is then not ready) */
  full(): boolean;
}

/** Until the spool exists: empty, never full. */
export const NO_SPOOL: SpoolStatus = { bytes: () => 0, full: () => false };

/** The gateway's parts the collectors read at scrape time (their existing counters; nothing on the hot path). */
export interface MetricsSources {
  processor: { readonly counters: ProcessorCounters };
  sink: { readonly counters: InfluxSinkCounters };
  health: DeviceHealth;
  tickets?: { list(filter?: TicketFilter): TicketPage };
  spool?: SpoolStatus;
  /** alerts waiting or in flight (0 when not given) */
  alertsPending?: () => number;
  /** the rule engine's valid-means counters (processor/means), once it runs */
  means?: () => MeansCounters | undefined;
}

export interface GatewayMetrics {
  /** this gateway's own prom-client registry (never the global default one) */
  readonly registry: PromRegistry;
  /** counts one reading as it leaves the inputs (by source and site kind); use in a `tap` */
  readonly countReadingIn: (r: Reading) => void;
  /** for InputContext.connections: the MQTT input's connection state and reconnects */
  readonly connections: ConnectionEvents;
  readonly connectionState: ConnectionState;
  /** the same store, also counted by source and reason */
  trackDeadLetters(store: DeadLetterStore): DeadLetterStore;
  /** the same writer, each write request timed into park_influx_write_duration_seconds */
  timeWrites(writer: PointWriter): PointWriter;
  /** hands the collectors the parts to read; before this their metrics read 0 or have no series */
  observe(sources: MetricsSources): void;
  /** the embedded broker's refusals (park_mqtt_denied_total) and cleared retain flags */
  observeBroker(source: BrokerCountsSource): void;
  /** Prometheus text exposition format */
  metrics(): Promise<string>;
  readonly contentType: string;
}

type Labels = Record<string, string>;
/** replace every series of a counter or gauge with the given values (collect() callbacks) */
function setAll(metric: Counter<string> | Gauge<string>, rows: Iterable<[Labels, number]>): void {
  metric.reset();
  for (const [labels, v] of rows) {
    if (metric instanceof Gauge) metric.set(labels, v);
    else metric.inc(labels, v);
  }
}

/**
 * Prometheus metrics of one gateway, in a Registry of its own so several gateways can run in one
 * process. Counters the gateway already keeps (processor, sink, health, dead letters, tickets) are
 * read by collect() callbacks at scrape time; only readings-in, dead letters by source and the MQTT
 * connection events are counted as they happen, in plain maps. The constructor only assigns.
 */
export function createGatewayMetrics(opts: { registry: ParkRegistry; processMetrics?: boolean }): GatewayMetrics {
  const register = new PromRegistry();
  const park = opts.registry;
  const readingsIn = readingsInCounter(park);
  const deadLetters = new LabelledCounts();
  let deadLetterStore: DeadLetterStore | undefined;
  const conn = trackConnections();
  let src: MetricsSources | undefined;
  const registers = [register];
  const devices = park.sites.flatMap((s) => s.devices.map((d) => ({ device: d.id, site: s.id, kind: s.kind as string, protocol: d.kind as string })));
  const inputSources = new Set(['modbus', 'mqtt', 'hj212', 'manual']);

  new Counter({
    name: 'park_readings_in_total',
    help: 'Readings emitted by the inputs, by input (source) and site kind',
    labelNames: ['source', 'site_kind'],
    registers,
    collect() {
      setAll(this, readingsIn.counts.entries().map(([[source = '', kind = ''], n]) => [{ source, site_kind: kind }, n]));
    },
  });
  new Counter({
    name: 'park_readings_accepted_total',
    help: 'Readings that passed validation and went on to the writer and the rules',
    registers,
    collect() {
      if (src) setAll(this, [[{}, src.processor.counters.accepted]]);
    },
  });
  new Counter({
    name: 'park_readings_rejected_total',
    help: 'Input refused before storage, by stage (the input: messages or values; processor: readings) and reason; each is also a dead letter',
    labelNames: ['stage', 'reason'],
    registers,
    collect() {
      const rows: [Labels, number][] = deadLetters.entries().filter(([[source = '']]) => inputSources.has(source)).map(([[stage = '', reason = ''], n]) => [{ stage, reason }, n]);
      for (const [reason, n] of Object.entries(src?.processor.counters.rejected ?? {})) rows.push([{ stage: 'processor', reason }, n]);
      setAll(this, rows);
    },
  });
  new Counter({
    name: 'park_dead_letters_total',
    help: 'Entries put in the dead-letter store, by source (mqtt, modbus, processor, influx) and reason',
    labelNames: ['source', 'reason'],
    registers,
    collect() {
      setAll(this, deadLetters.entries().map(([[source = '', reason = ''], n]) => [{ source, reason }, n]));
    },
  });
  new Counter({
    name: 'park_dead_letters_dropped_total',
    help: 'Dead letters deleted from disk by rotation (DEAD_LETTER_FILES files of DEAD_LETTER_FILE_MB), kept across restarts',
    registers,
    collect() {
      setAll(this, [[{}, deadLetterStore?.dropped() ?? 0]]);
    },
  });

  const sinkCounter = (name: string, help: string, key: keyof Omit<InfluxSinkCounters, 'lastError'>, type: 'counter' | 'gauge' = 'counter') => {
    const config = {
      name,
      help,
      registers,
      collect(this: Counter | Gauge) {
        const v = src?.sink.counters[key];
        if (v !== undefined) setAll(this, [[{}, v]]);
      },
    };
    return type === 'counter' ? new Counter(config) : new Gauge(config);
  };
  sinkCounter('park_influx_queue_points', 'Points waiting to be written to InfluxDB (including the batch in flight)', 'queuedPoints', 'gauge');
  sinkCounter('park_influx_points_written_total', 'Points InfluxDB accepted', 'pointsWritten');
  sinkCounter('park_influx_batches_written_total', 'Write requests InfluxDB accepted', 'batchesWritten');
  sinkCounter('park_influx_write_errors_total', 'Failed write attempts (each retry counts)', 'writeErrors');
  sinkCounter('park_influx_points_dropped_total', 'Points dropped because the write queue was full while InfluxDB was unreachable', 'pointsDropped');
  sinkCounter('park_influx_points_rejected_total', 'Points InfluxDB refused (HTTP 400); kept as dead letters', 'pointsRejected');
  sinkCounter('park_influx_points_abandoned_total', 'Points still queued when the writer stopped', 'pointsAbandoned');
  const writeSeconds = new Histogram({
    name: 'park_influx_write_duration_seconds',
    help: 'Duration of one InfluxDB write request, by outcome',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  new Gauge({
    name: 'park_spool_bytes',
    help: 'Bytes held in the on-disk spool of the InfluxDB writer',
    registers,
    collect() {
      this.set((src?.spool ?? NO_SPOOL).bytes());
    },
  });

  new Gauge({
    name: 'park_device_online',
    help: 'Device state as the inputs see it: 1 online, 0 offline (or not heard from yet)',
    labelNames: ['device', 'site', 'kind', 'protocol'],
    registers,
    collect() {
      if (src) setAll(this, devices.map((d) => [d, src!.health.get(d.device)?.online ? 1 : 0]));
    },
  });
  new Counter({
    name: 'park_device_errors_total',
    help: 'Device failures by kind of error (timeout, exception, connection, crc, framing, or an MQTT reject reason)',
    labelNames: ['device', 'site', 'error'],
    registers,
    collect() {
      if (!src) return;
      const rows: [Labels, number][] = [];
      for (const d of devices) for (const [error, n] of Object.entries(src.health.get(d.device)?.errors ?? {})) rows.push([{ device: d.device, site: d.site, error }, n]);
      setAll(this, rows);
    },
  });

  new Gauge({
    name: 'park_mqtt_connected',
    help: 'MQTT input connected to its broker: 1 yes, 0 no',
    labelNames: ['client_id'],
    registers,
    collect() {
      setAll(this, [...conn.state.clients].map(([client_id, c]) => [{ client_id }, c.connected ? 1 : 0]));
    },
  });
  const connCounter = (name: string, help: string, key: 'connects' | 'reconnects' | 'disconnects' | 'redeliveries') =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        setAll(this, [[{}, conn.state[key]]]);
      },
    });
  connCounter('park_mqtt_connects_total', 'CONNACKs received by the MQTT input', 'connects');
  connCounter('park_mqtt_reconnects_total', 'Connections of the MQTT input after its first one (broker restarts, network loss)', 'reconnects');
  connCounter('park_mqtt_disconnects_total', 'Established MQTT connections that closed', 'disconnects');
  connCounter('park_mqtt_redeliveries_total', 'Messages the broker sent again with the DUP flag (possible duplicates)', 'redeliveries');

  const live = TICKET_STATUSES.filter((s) => s !== 'closed');
  new Gauge({
    name: 'park_tickets_open',
    help: 'Tickets not closed yet (open, acknowledged, rectifying, awaiting verification), by category',
    labelNames: ['category'],
    registers,
    collect() {
      const tickets = src?.tickets;
      if (tickets) setAll(this, TicketCategorySchema.options.map((category) => [{ category }, tickets.list({ status: live, category, limit: 1 }).total]));
    },
  });
  new Gauge({
    name: 'park_alerts_pending',
    help: 'Alerts waiting to be delivered',
    registers,
    collect() {
      this.set(src?.alertsPending?.() ?? 0);
    },
  });
  new Counter({
    name: 'park_means_windows_total',
    help: 'Hourly and daily means judged (by reading time), by outcome: valid, invalid (judges no rule), revised (re-judged after back-fill)',
    labelNames: ['outcome'],
    registers,
    collect() {
      const c = src?.means?.();
      if (c) setAll(this, [[{ outcome: 'valid' }, c.windows - c.invalid], [{ outcome: 'invalid' }, c.invalid], [{ outcome: 'revised' }, c.revisions]]);
    },
  });
  new Counter({
    name: 'park_readings_too_late_total',
    help: 'Readings older than the lateness horizon: stored, not judged',
    registers,
    collect() {
      const c = src?.means?.();
      if (c) setAll(this, [[{}, c.tooLate]]);
    },
  });
  let brokerCounts: BrokerCountsSource | undefined;
  registerBrokerMetrics(register, () => brokerCounts);
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register });

  return {
    registry: register,
    countReadingIn: readingsIn.count,
    connections: conn.events,
    connectionState: conn.state,
    trackDeadLetters: (store) => (deadLetterStore = countDeadLetters(store, deadLetters)),
    timeWrites: (writer) => timedWriter(writer, (seconds, outcome) => writeSeconds.observe({ outcome }, seconds)),
    observe(sources) {
      src = sources;
    },
    observeBroker(source) {
      brokerCounts = source;
    },
    metrics: () => register.metrics(),
    contentType: register.contentType,
  };
}

/**
 * The gateway's readiness: InfluxDB answers /ping (cached 5 s, at most 1 s per ping), the MQTT input
 * is connected to its broker (when the park has MQTT devices), and the spool is not full.
 */
export function gatewayReadiness(metrics: Pick<GatewayMetrics, 'connectionState'>, o: { influxUrl: string; registry: ParkRegistry; spool?: SpoolStatus; pingTtlMs?: number }): Readiness {
  const hasMqtt = o.registry.sites.some((s) => s.devices.some((d) => d.kind === 'mqtt'));
  return createReadiness([influxPing(o.influxUrl, { ttlMs: o.pingTtlMs }), mqttConnected(metrics.connectionState, hasMqtt), spoolNotFull(o.spool ?? NO_SPOOL)]);
}
