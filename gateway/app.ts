import { join } from 'node:path';
import { asyncScheduler, merge, share, Subscription, tap } from 'rxjs';
import { createDeadLetterStore } from './deadLetter/index.js';
import { createDeviceHealth } from './health/index.js';
import { createHttpServer, listen } from './http/server.js';
import { createAccessControl, registerAuth, type AuditLog } from './auth/index.js';
import { ackLinker, linkKey } from './web/ackToken.js';
import { createInputs } from './inputs/registry.js';
import { fileBackfillStore, type LoggerPoint } from './inputs/hj212/index.js';
import type { InputContext } from './inputs/types.js';
import { createLogger } from './log.js';
import { createProcessor } from '../processor/index.js';
import { createSqliteStoredTimestamps, prunePeriodically } from '../processor/stored/index.js';
import { createInfluxSink, influx1Writer } from '../processor/sinks/influx/index.js';
import { influx2Writer } from '../processor/sinks/influx2/index.js';
import { createGatewayMetrics, gatewayReadiness } from './metrics/index.js';
import { createAlerts, createEscalator, createOverdueWatcher, sqliteAlertOutbox, type Alerts, type Escalator, type OverdueWatcher } from '../processor/alerts/index.js';
import { writeTicketEvents } from '../processor/sinks/influx/ticketEvents.js';
import { writeMeans } from '../processor/sinks/influx/means.js';
import { createStateWriters } from '../processor/sinks/influx/stateWriters.js';
import { writeAttributions } from '../processor/sinks/influx/attribution.js';
import type { SeriesMean } from '../processor/means/index.js';
import { createRuleEngine, type RuleEngine } from '../processor/rules/engine.js';
import { createEvidenceBuffer } from '../processor/rules/evidence.js';
import { createStateKeeper } from '../processor/rules/stateKeeper.js';
import { respond } from '../processor/respond.js';
import { createSqliteStore } from '../processor/tickets/sqlite.js';
import { createTicketService, type TicketService } from '../processor/tickets/service.js';
import { createInterlock, type Interlock } from '../processor/interlock/index.js';
import { auditValveAction, recordValveAction, valveResponder } from '../processor/valveResponder.js';
import { createFlowVerification, type FlowVerification } from '../processor/flowVerification.js';
import { createSnapshotStore, createSnapshotTaker, type SnapshotTaker } from '../processor/snapshots/index.js';
import { createModbusCommands } from './inputs/modbus/commands.js';
import { LinkPool } from './inputs/modbus/pool.js';
import { component, createSupervisor } from './lifecycle/index.js';
import type { FastifyInstance } from 'fastify';
import type { StateKeeper } from '../processor/rules/stateKeeper.js';
import { createHj212Forwarding, type Hj212Forwarding } from '../processor/sinks/hj212/forwarding.js';
import { createOdorAttribution, sqliteAttributionStore, type OdorAttribution } from '../processor/attribution/index.js';
import { createPatrol, influxQuery, patrolCamera, patrolDelivery, type Patrol } from '../processor/patrol/index.js';

export type { Gateway, GatewayOptions, GatewayStatus } from './appTypes.js';
import type { Gateway, GatewayOptions, GatewayStatus } from './appTypes.js';
import { registerPeopleRoutes } from './appRoutes.js';

/** settled alerts kept in the outbox (sent, failed, capped) before they are deleted */
const ALERT_OUTBOX_KEEP_MS = 30 * 24 * 3600_000;

/** Starts inputs → processor → InfluxDB writer, and the HTTP server. */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const log = o.log ?? createLogger();
  const registry = o.registry;
  const metrics = createGatewayMetrics({ registry });
  const deadLetters = metrics.trackDeadLetters(createDeadLetterStore({ file: join(o.dataDir, 'dead-letters.jsonl'), bounds: o.deadLetters, onError: (err) => log.error({ err }, 'dead-letter file not writable; keeping entries in memory only') }));
  const health = createDeviceHealth(registry.sites.flatMap((s) => s.devices.map((d) => d.id)));
  const ctx: InputContext = { registry, log, deadLetters, health, mqttUrl: o.mqttUrl, mqttClient: o.mqttClient, mqttFeed: o.mqttFeed, connections: metrics.connections };
  const kinds = new Set(registry.sites.flatMap((s) => s.devices.map((d) => d.kind)));
  // the Modbus links, shared by the Modbus input and the valve commands (one master per RS-485 line)
  const modbusLinks = new LinkPool();
  // the HJ 212 loggers' own minute/hour/day values go through the sink's spool (measurement logger_means); back-fill state in <dataDir>
  const hj212 = { port: o.hj212Port, credentials: o.hj212Secrets, points: (ps: readonly LoggerPoint[]) => sink.appendPoints(ps), backfillStore: fileBackfillStore(join(o.dataDir, 'hj212-backfill.json'), (err) => log.error({ err: err.message }, 'hj212 back-fill state not saved')) };
  const inputs = createInputs({ modbusLinks, hj212 });
  const batches$ = merge(...[...kinds].map((k) => inputs[k](ctx))).pipe(tap((b) => b.readings.forEach(metrics.countReadingIn)));
  const writer = metrics.timeWrites(o.influx.v2 ? influx2Writer({ url: o.influx.url, ...o.influx.v2 }) : influx1Writer(o.influx.url, o.influx.database));
  // every point (readings and ticket annotations) is on disk (<dataDir>/spool) before its message is acknowledged; replayed in order
  const sink = createInfluxSink({ url: o.influx.url, database: o.influx.database, registry, log, deadLetters, writer, spool: { dir: join(o.dataDir, 'spool'), ...o.spool } });
  // the processor appends each batch's accepted readings to the spool (sink.append), then acknowledges the batch
  // every (series, timestamp) stored, in <dataDir>/stored.db: stored history is never overwritten, across restarts (issue 11)
  const stored = createSqliteStoredTimestamps(join(o.dataDir, 'stored.db'));
  const processor = createProcessor({ registry, batches$, store: sink, deadLetters, log, stored });

  // rules → tickets (整改工单) → responders; tickets and rule state share one SQLite file
  const db = createSqliteStore({ file: join(o.dataDir, 'park.db') });
  const evidence = createEvidenceBuffer();
  // 一企一管 valve interlock: Modbus writes go through the poller's own links (one master per RS-485 line)
  const commands = createModbusCommands({ registry, pool: modbusLinks, log });
  const status = (): GatewayStatus => {
    const c = processor.counters;
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    return {
      received: sum(c.received),
      accepted: c.accepted,
      rejected: sum(c.rejected),
      deadLetters: deadLetters.total(),
      deadLettersDropped: deadLetters.dropped(),
      pointsWritten: sink.counters.pointsWritten,
      writeErrors: sink.counters.writeErrors,
      devices: health.summary(),
    };
  };

  // What needs the open database is built when its component starts, in this order; stop() runs the
  // components' stops in reverse: inputs and rules, HTTP, annotations, alerts, state, and the spool last
  // (it writes what it can and keeps the rest on disk).
  let keeper!: StateKeeper;
  let tickets!: TicketService;
  let alerts!: Alerts;
  let escalator!: Escalator;
  let overdue!: OverdueWatcher;
  let ackKey!: Buffer;
  let interlock!: Interlock;
  let flow!: FlowVerification;
  let snapshots!: SnapshotTaker;
  let engine!: RuleEngine;
  let attribution!: OdorAttribution;
  let patrol!: Patrol;
  let http!: FastifyInstance;
  let httpPort = 0;
  // users, sessions, tokens and the append-only audit log: their own file, opened by the 'access' component
  const access = createAccessControl({ file: join(o.dataDir, 'access.db'), registry, adminToken: o.people?.adminToken, hashCost: o.people?.hashCost, log: log.child({ component: 'access' }) });
  // what the routes and the interlock record (delegates to access.db once the 'access' component has started)
  const audit: AuditLog = o.access?.audit ?? access.audit;
  let stopPrune = () => {};
  // HJ 212-2017 forwarding to upstream platforms: its outbox in <dataDir>/hj212-outbox.db; history requests answered from InfluxDB 1.x
  const forward = registry.upstreams.length > 0 ? createHj212Forwarding({ registry, upstreamPws: o.hj212Secrets?.upstreams, dataDir: o.dataDir, influx: o.influx.v2 ? undefined : o.influx, log: log.child({ component: 'hj212-forward' }) }) : undefined;
  const subs = { alerts: new Subscription(), annotations: new Subscription(), pipeline: new Subscription(), state: new Subscription() };
  // for the dashboards: site state, ticket counts and the gateway's health every minute, roses per batch, attributions
  const stateWriters = createStateWriters({ registry, sink, log, metrics: metrics.registry, startedAt: Date.now(), periodMs: o.dashboardStatePeriodMs });
  const supervisor = createSupervisor(
    [
      component('spool', () => sink.start(), () => sink.stop()),
      // timestamps older than validation accepts are forgotten hourly
      component(
        'stored',
        () => {
          stored.open();
          stopPrune = prunePeriodically(stored, registry.timestampBounds.maxPastMs, log);
        },
        () => {
          stopPrune();
          stored.close();
        },
      ),
      component(
        'state',
        () => {
          db.start();
          keeper = createStateKeeper(db.ruleState, 1000, (err) => log.error({ err: err.message }, 'rule state not saved; retrying at the next flush'));
          keeper.start();
          tickets = createTicketService({ store: db.tickets, registry, now: Date.now, log, rules: registry.rules });
          // odor source attribution (异味溯源): its record of attributions is in the same file
          attribution = createOdorAttribution({ registry, store: sqliteAttributionStore(db.db) });
        },
        () => {
          keeper.stop();
          tickets.stop();
          db.stop();
        },
      ),
      component(
        'alerts',
        () => {
          // the durable outbox in park.db: alerts recorded before they are sent, sent again after a crash;
          // settled ones are kept ALERT_OUTBOX_KEEP_MS for the record
          const outbox = sqliteAlertOutbox(db.db);
          outbox.prune(Date.now() - ALERT_OUTBOX_KEEP_MS);
          // the acknowledgement links' key: made once, kept in park.db
          ackKey = linkKey(db.db);
          alerts = createAlerts({
            config: registry.alerts,
            outbox,
            ackLink: ackLinker({ publicUrl: o.publicUrl, key: ackKey }),
            secrets: o.alertSecrets ?? {},
            registry,
            log: log.child({ component: 'alerts' }),
            now: Date.now,
            onSent: (id, channel, out) => {
              tickets.recordAction(id, 'note', { alert: channel, status: out.status, at: out.at, requestAt: out.requestAt, to: out.to, messageId: out.messageId });
            },
          });
          subs.alerts = tickets.changes$.subscribe((c) => alerts.handle(c));
          // tickets nobody acknowledges: reminder, section chief, zone leadership (alerts.escalation)
          escalator = createEscalator({ config: registry.alerts.escalation, tickets, alerts, scheduler: asyncScheduler, log: log.child({ component: 'escalation' }) });
          // tickets past their deadline unclosed: the officer and the section chief (alerts.deadlines, alerts.overdue)
          overdue = createOverdueWatcher({ config: registry.alerts.overdue, tickets, alerts, scheduler: asyncScheduler, log: log.child({ component: 'overdue' }) });
        },
        () => {
          overdue.stop();
          escalator.stop();
          subs.alerts.unsubscribe();
          alerts.stop();
        },
      ),
      component('access', () => access.start(), () => access.stop()),
      // ticket annotations go through the same spool as the readings
      component('hj212-forward', () => forward?.start(), () => forward?.stop()),
      component('annotations', () => void (subs.annotations = writeTicketEvents(tickets.changes$, { sink, log })), () => subs.annotations.unsubscribe()),
      component(
        'http',
        async () => {
          flow = createFlowVerification({ tickets, registry, log });
          flow.start();
          interlock = createInterlock({ registry, commands, health, now: Date.now, log, onAction: both(recordValveAction({ tickets, registry, log, flow }), auditValveAction(audit)) });
          metrics.observe({ processor, sink, health, tickets, spool: sink.spool, alertsPending: () => alerts.counters().pending, means: () => (engine as RuleEngine | undefined)?.means });
          const readiness = gatewayReadiness(metrics, { influxUrl: o.influx.url, registry, spool: sink.spool });
          http = createHttpServer({ log, health: { health: () => ({ ...status() }) }, metrics, readiness, bindHost: o.bindHost, allowedHosts: o.people?.allowedHosts, metricsAuth: o.people?.metricsAuth });
          // every request gets its principal first; then /api/login, /api/me, /api/users*, /api/audit*
          if (o.access) o.access.install(http);
          else registerAuth(http, access, { secureCookies: o.people?.secureCookies });
          // 可视监控: a snapshot from the outlet's camera when a rule fires there, attached to the ticket when taken
          const snapshotStore = createSnapshotStore({ dir: join(o.dataDir, 'snapshots'), retention: o.snapshots?.retention, now: Date.now });
          snapshots = createSnapshotTaker({ registry, store: snapshotStore, record: (id, kind, data) => void tickets.recordAction(id, kind, data), fetcher: o.snapshots?.fetcher, concurrency: o.snapshots?.concurrency, now: Date.now, log: log.child({ component: 'snapshots' }) });
          // 每日2次巡查: sheets from the readings (InfluxQL, InfluxDB 1.x), the tickets and a fresh snapshot of each outlet camera, under /api/patrols;
          // the digests (officers, park group) and a missed sign-off (section chief) go through the alerts' outbox, linking to PUBLIC_URL
          const camera = patrolCamera({ registry, store: snapshotStore, fetcher: o.snapshots?.fetcher, now: Date.now, log: log.child({ component: 'patrol' }) });
          patrol = createPatrol({ registry, db: db.db, tickets, query: influxQuery(o.influx.url, o.influx.database), log, camera, ...patrolDelivery(alerts, registry, o.publicUrl) });
          const influx = o.influx.v2 ? undefined : { url: o.influx.url, database: o.influx.database };
          registerPeopleRoutes(http, { registry, tickets, audit, interlock, health, db: db.db, dataDir: o.dataDir, ackKey, patrol: patrol.store, snapshots: snapshotStore, influx });
          httpPort = await listen(http, o.httpPort, o.bindHost);
        },
        () => http.close(),
      ),
      component('patrol', () => void (o.influx.v2 ? log.warn('patrol sheets need InfluxQL (InfluxDB 1.x): not produced') : patrol.start()), () => patrol.stop()),
      // after 'http', which hands the metrics their sources: the first health point already has them
      component('dashboard-state', () => void (subs.state = stateWriters.start(tickets)), () => subs.state.unsubscribe()),
      component(
        'pipeline',
        () => {
          // rules, evidence and the interlock see each batch of accepted readings once it is durable
          const accepted$ = processor.accepted$.pipe(
            tap((rs) => {
              evidence.recordBatch(rs);
              interlock.observeBatch(rs);
              attribution.observe(rs);
              flow.observeBatch(rs);
              forward?.observe(rs);
              stateWriters.observe(rs);
            }),
            share(),
          );
          const attributions = writeAttributions(sink, log);
          const onRuleError = (err: Error, r: { site: string; pollutant: string }) => log.error({ err: err.message, site: r.site, pollutant: r.pollutant }, 'rule engine failed on a reading');
          // valid hourly and daily means (measurement `means`) through the same spool
          engine = createRuleEngine({ registry, readings$: accepted$, rejections$: processor.rejections$, keeper, onError: onRuleError, onMeans: withForward(writeMeans(sink, log), forward) });
          // subscribing the responses subscribes the rule engine, which subscribes the processor, which starts the inputs
          subs.pipeline = respond(engine.batches$, { tickets, evidence, responders: [valveResponder(interlock), snapshots], log, enrich: (b) => attributions(attribution.annotate(b)) }).subscribe();
        },
        () => subs.pipeline.unsubscribe(),
      ),
    ],
    log,
  );
  await supervisor.start();
  log.info({ httpPort, mqttUrl: o.mqttUrl, influx: o.influx.url, sites: registry.sites.length, components: supervisor.running() }, 'gateway started');

  return {
    httpPort,
    deadLetters,
    health,
    processor,
    sink,
    tickets,
    engine,
    interlock,
    alerts,
    snapshots,
    metrics,
    hj212Forward: forward,
    access,
    audit,
    status,
    async stop() {
      await supervisor.stop();
      log.info('gateway stopped');
    },
  };
}

/** a valve action goes on its ticket and into the audit log */
const both =
  <A extends unknown[]>(...fs: ((...a: A) => void)[]) =>
  (...a: A) => {
    for (const f of fs) f(...a);
  };

/** the means go to InfluxDB, then to the upstream platforms */
const withForward = (write: (m: readonly SeriesMean[]) => void, forward?: Hj212Forwarding) => (m: readonly SeriesMean[]) => {
  write(m);
  forward?.onMeans(m);
};
