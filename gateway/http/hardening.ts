import type { FastifyInstance, FastifyRequest } from 'fastify';

/** request bodies above this are refused with 413 before they are parsed (Fastify bodyLimit) */
export const BODY_LIMIT = 64 * 1024;

/**
 * The Host header against the hosts this server answers for (DNS rebinding defence: a page on
 * another name that resolves to 127.0.0.1 must not reach the API). An entry `name` matches `name`
 * with the server's own port or without a port; an entry `name:port` matches exactly. Names compare
 * case-insensitively (RFC 9110 §7.2, §4.2.3).
 */
export function hostChecker(allowed: readonly string[], port: () => number | undefined): (host: string | undefined) => boolean {
  const exact = new Set<string>();
  const names = new Set<string>();
  for (const a of allowed) {
    const h = a.trim().toLowerCase();
    if (!h) continue;
    if (/:\d+$/.test(h) && !/^[^[]*:.*:/.test(h)) exact.add(h);
    else names.add(h);
  }
  return (host) => {
    if (!host || host.length > 300) return false;
    const h = host.toLowerCase();
    if (exact.has(h)) return true;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(h);
    if (!m || !names.has(m[1]!)) return false;
    const p = port();
    return m[2] === undefined || p === undefined || Number(m[2]) === p;
  };
}

/** the hosts allowed when HTTP_ALLOWED_HOSTS is unset: the bind address, localhost and 127.0.0.1 */
export const defaultAllowedHosts = (bindHost = '127.0.0.1'): string[] => [...new Set([bindHost, 'localhost', '127.0.0.1', '[::1]'])].filter((h) => h !== '0.0.0.0');

/** Content-Security-Policy of API answers: they are data, never a document that loads or frames anything */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Security headers on every answer (OWASP HTTP Headers Cheat Sheet): no MIME sniffing, no framing,
 * no Referer, no caching of /api answers (they hold personal data and tokens), the CSP above unless a
 * route set its own (the web pages of the next issue will).
 */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req: FastifyRequest, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-resource-policy', 'same-origin');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_CSP);
    if (req.url.startsWith('/api')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** who may read GET /metrics (METRICS_AUTH): anyone; a bearer token (API token or PARK_ADMIN_TOKEN); any signed-in user */
export type MetricsAuth = 'open' | 'token' | 'role';

/** undefined when the request may read /metrics, else the status and reason */
export function metricsRefusal(mode: MetricsAuth, req: FastifyRequest): { status: 401 | 403; message: string } | undefined {
  if (mode === 'open') return undefined;
  const p = req.principal as FastifyRequest['principal'] | undefined;
  if (!p || p.kind === 'anonymous') return { status: 401, message: mode === 'token' ? 'METRICS_AUTH=token: send Authorization: Bearer <API token>' : 'METRICS_AUTH=role: sign in or send a bearer token' };
  if (mode === 'token' && p.kind !== 'token' && p.kind !== 'admin-token') return { status: 403, message: 'METRICS_AUTH=token: only a bearer token may read /metrics' };
  return undefined;
}
