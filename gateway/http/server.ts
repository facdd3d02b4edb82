import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface HealthSource {
  /** liveness body; the process answering at all is the liveness signal */
  health(): Record<string, unknown>;
}

/**
 * The gateway's HTTP surface on 127.0.0.1:HTTP_PORT. /healthz now; later issues register their routes
 * (tickets API, /metrics, /readyz) through `register` before `listen`.
 */
export function createHttpServer(opts: { log: Logger; health: HealthSource }): FastifyInstance {
  // request logs are info-level: keep the HTTP child at warn so one line per event stays the rule
  const app = Fastify({ loggerInstance: opts.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger });
  app.get('/healthz', async () => ({ status: 'ok', ...opts.health.health() }));
  return app;
}

export async function listen(app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<number> {
  await app.listen({ host, port });
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}
