import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BODY_LIMIT, defaultAllowedHosts, hostChecker, metricsRefusal, securityHeaders, type MetricsAuth } from './hardening.js';

export interface HealthSource {
  /** liveness body; the process answering at all is the liveness signal */
  health(): Record<string, unknown>;
}

/** Prometheus exposition of the gateway's own metrics registry. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** Readiness: every check with its outcome; `ready` only when all pass. */
export interface ReadinessSource {
  check(): Promise<{ ready: boolean; failed: string[]; checks: Record<string, { ok: boolean; detail: string }> }>;
}

export interface HttpHardening {
  /** Host header values answered (HTTP_ALLOWED_HOSTS); default defaultAllowedHosts(bindHost) */
  allowedHosts?: readonly string[];
  /** listen address, for the default allowed hosts */
  bindHost?: string;
  /** request body limit in bytes (default 64 KiB); larger bodies get 413 */
  bodyLimit?: number;
  /** who may read /metrics (METRICS_AUTH, default open); token and role need registerAuth (gateway/auth) */
  metricsAuth?: MetricsAuth;
}

/**
 * The gateway's HTTP surface on 127.0.0.1:HTTP_PORT: GET /healthz (liveness only: the process
 * answers), GET /readyz (200 when every readiness check passes, otherwise 503 naming the failed
 * checks and why), GET /metrics (Prometheus text format). Other routes (tickets API, valves) are
 * registered on the returned instance before `listen`. Every request's Host is checked first (421
 * otherwise), bodies are size-limited (413), every answer carries the security headers. /healthz and
 * /readyz stay open whatever the credentials; /metrics as METRICS_AUTH says.
 */
export function createHttpServer(opts: { log: Logger; health: HealthSource; metrics?: MetricsSource; readiness?: ReadinessSource } & HttpHardening): FastifyInstance {
  // request logs are info-level: keep the HTTP child at warn so one line per event stays the rule
  const app = Fastify({
    loggerInstance: opts.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? BODY_LIMIT,
    // a path parameter longer than this does not match its route (404)
    routerOptions: { maxParamLength: 200 },
  });
  const port = () => {
    const a = app.server.address();
    return typeof a === 'object' && a ? a.port : undefined;
  };
  const hostOk = hostChecker(opts.allowedHosts ?? defaultAllowedHosts(opts.bindHost), port);
  // the first hook: a request for another name is refused before anything else looks at it
  // (RFC 9110 §15.5.20 421 Misdirected Request: "not able to produce a response for this target")
  app.addHook('onRequest', async (req, reply) => {
    if (!hostOk(req.headers.host)) return reply.code(421).send({ error: 'misdirected request', message: `Host ${JSON.stringify((req.headers.host ?? '').slice(0, 100))} is not served here (HTTP_ALLOWED_HOSTS)` });
  });
  securityHeaders(app);
  app.get('/healthz', async () => ({ status: 'ok', ...opts.health.health() }));
  const { metrics, readiness } = opts;
  const metricsAuth = opts.metricsAuth ?? 'open';
  if (metrics) {
    app.get('/metrics', async (req, reply) => {
      const refused = metricsRefusal(metricsAuth, req);
      if (refused) return reply.code(refused.status).send({ error: refused.status === 401 ? 'not signed in' : 'forbidden', message: refused.message });
      return reply.header('content-type', metrics.contentType).send(await metrics.metrics());
    });
  }
  if (readiness) {
    app.get('/readyz', async (_req, reply) => {
      const r = await readiness.check();
      return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', failed: r.failed, checks: r.checks });
    });
  }
  return app;
}

export async function listen(app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<number> {
  await app.listen({ host, port });
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}
