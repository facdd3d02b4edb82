import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

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

/**
 * The gateway's HTTP surface on 127.0.0.1:HTTP_PORT: GET /healthz (liveness only: the process
 * answers), GET /readyz (200 when every readiness check passes, otherwise 503 naming the failed
 * checks and why), GET /metrics (Prometheus text format). Other routes (tickets API, valves) are
 * registered on the returned instance before `listen`.
 */
export function createHttpServer(opts: { log: Logger; health: HealthSource; metrics?: MetricsSource; readiness?: ReadinessSource }): FastifyInstance {
  // request logs are info-level: keep the HTTP child at warn so one line per event stays the rule
  const app = Fastify({ loggerInstance: opts.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger });
  app.get('/healthz', async () => ({ status: 'ok', ...opts.health.health() }));
  const { metrics, readiness } = opts;
  if (metrics) {
    app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.contentType).send(await metrics.metrics()));
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
