import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { DeadLetterBounds, DeadLetterStore } from './deadLetter/index.js';
import type { DeviceHealth } from './health/index.js';
import type { MetricsAuth } from './http/hardening.js';
import type { AccessControl, AuditLog } from './auth/index.js';
import type { HashCost } from './secrets/index.js';
import type { BrokerHandoff } from './inputs/types.js';
import type { MqttClientAuth } from './inputs/mqtt/client.js';
import type { SecretsFile } from './secrets/index.js';
import type { Registry } from './registry/schema.js';
import type { Processor } from '../processor/index.js';
import type { InfluxSink } from '../processor/sinks/influx/index.js';
import type { GatewayMetrics } from './metrics/index.js';
import type { AlertSecrets, Alerts } from '../processor/alerts/index.js';
import type { SpoolSettings } from '../processor/sinks/spool/index.js';
import type { RuleEngine } from '../processor/rules/engine.js';
import type { TicketService } from '../processor/tickets/service.js';
import type { Interlock } from '../processor/interlock/index.js';
import type { Fetcher, SnapshotRetention, SnapshotTaker } from '../processor/snapshots/index.js';
import type { FastifyInstance } from 'fastify';
import type { Hj212Forwarding } from '../processor/sinks/hj212/forwarding.js';

export interface GatewayOptions {
  registry: Registry;
  /** broker the MQTT input connects to as a client (MQTT_URL) */
  mqttUrl: string;
  /** the MQTT input's login and TLS files for the external broker (never in mqttUrl, which is logged) */
  mqttClient?: MqttClientAuth;
  /** the embedded broker's hand-off; when given, the MQTT input reads it instead of connecting to mqttUrl */
  mqttFeed?: Observable<BrokerHandoff>;
  influx: { url: string; database: string; /** InfluxDB 2.x: write via /api/v2/write */ v2?: { org: string; bucket: string; token: string } };
  /** 0 picks a free port */
  httpPort: number;
  /** listen address of the HTTP server (default 127.0.0.1) */
  bindHost?: string;
  dataDir: string;
  /** the InfluxDB writer's on-disk spool in <dataDir>/spool: size bound, segment size, fsync interval, policy when full */
  spool?: SpoolSettings;
  /** WeCom key and SMS AccessKey (environment); a channel without them is skipped */
  alertSecrets?: AlertSecrets;
  /** PUBLIC_URL: alerts that ask an officer to act carry `${publicUrl}/ack/<token>` (gateway/web/ack.ts); absent, no link */
  publicUrl?: string;
  /** outlet camera snapshots in <dataDir>/snapshots: retention bounds, the HTTP client (tests), cameras asked at once */
  snapshots?: { retention?: Partial<SnapshotRetention>; fetcher?: Fetcher; concurrency?: number };
  log?: Logger;
  /** the HJ 212 listener's port instead of the registry's (HJ212_PORT; 0 takes a free one) */
  hj212Port?: number;
  /** people and HTTP hardening: users, sessions, tokens and the audit log in <dataDir>/access.db */
  people?: {
    /** PARK_ADMIN_TOKEN (environment or the secrets file's http.adminToken) */
    adminToken?: string;
    /** HTTP_ALLOWED_HOSTS; default the bind address, localhost and 127.0.0.1 */
    allowedHosts?: readonly string[];
    /** METRICS_AUTH (default open) */
    metricsAuth?: MetricsAuth;
    /** SESSION_COOKIE_SECURE */
    secureCookies?: boolean;
    /** scrypt cost of new password hashes (tests pass a cheap one) */
    hashCost?: HashCost;
  };
  /**
   * Test seam of the route tests: `install` sets `request.principal` itself and `audit` is their own
   * log, instead of gateway/auth's sign-in (then /api/login, /api/users and /api/audit are not served).
   */
  access?: { install(app: FastifyInstance): void; audit: AuditLog };
  /** HJ 212 credentials from the secrets file: loggers' PW hashes by MN, upstream PWs by upstream id and MN */
  hj212Secrets?: SecretsFile['hj212'];
  /** bounds of <dataDir>/dead-letters*.jsonl (DEAD_LETTER_FILE_MB, DEAD_LETTER_FILES) */
  deadLetters?: Partial<DeadLetterBounds>;
  /** how often the dashboards' site state, ticket counts and gateway health are written (default 60 s) */
  dashboardStatePeriodMs?: number;
}

export interface GatewayStatus {
  received: number;
  accepted: number;
  rejected: number;
  deadLetters: number;
  /** dead letters deleted from disk by rotation (their files are bounded) */
  deadLettersDropped: number;
  pointsWritten: number;
  writeErrors: number;
  devices: { online: number; offline: number };
}

export interface Gateway {
  readonly httpPort: number;
  readonly deadLetters: DeadLetterStore;
  readonly health: DeviceHealth;
  readonly processor: Processor;
  readonly sink: InfluxSink;
  readonly tickets: TicketService;
  readonly engine: RuleEngine;
  readonly interlock: Interlock;
  readonly alerts: Alerts;
  /** camera snapshots attached to outlet tickets */
  readonly snapshots: SnapshotTaker;
  /** Prometheus metrics of this gateway (GET /metrics) */
  readonly metrics: GatewayMetrics;
  /** HJ 212-2017 forwarding to the registry's upstream platforms (undefined without `upstreams`) */
  readonly hj212Forward?: Hj212Forwarding;
  /** users, sessions, API tokens and the audit log (<dataDir>/access.db) */
  readonly access: AccessControl;
  /** the audit log the routes and the interlock write to (access.audit, or the test seam's) */
  readonly audit: AuditLog;
  status(): GatewayStatus;
  /** stops the inputs, flushes the writer, closes the HTTP server */
  stop(): Promise<void>;
}
