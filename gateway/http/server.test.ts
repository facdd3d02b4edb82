import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, authRig, bearer, SYSTEM_ADMIN, type AuthRig } from '../auth/testing.js';
import { listen } from './server.js';

/** a raw HTTP/1.1 request, so that the Host header is exactly what a client (or an attacker's page) sends */
function raw(port: number, o: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: o.path, method: o.method ?? 'GET', headers: o.headers, setHost: !(o.headers && 'host' in o.headers) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

let rig: AuthRig;
let port: number;
beforeAll(async () => {
  rig = await authRig({ metrics: true, http: { metricsAuth: 'token' } });
  port = await listen(rig.app, 0);
});
afterAll(() => rig.close());

describe('HTTP hardening', () => {
  it('refuses a request body over 64 KiB with 413 before parsing it', async () => {
    const body = JSON.stringify({ username: 'x', password: 'y'.repeat(70 * 1024) });
    const r = await raw(port, { path: '/api/login', method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(413);
    const small = await raw(port, { path: '/api/login', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x', password: 'y' }) });
    expect(small.status).toBe(401);
  });

  it.each([
    ['another name', 'evil.example'],
    ['another name with our port', 'evil.example:PORT'],
    ['our address with another port', '127.0.0.1:1'],
    ['an empty host', ''],
  ])('refuses %s in Host with 421', async (_what, host) => {
    const r = await raw(port, { path: '/api/me', headers: { host: host.replace('PORT', String(port)), ...bearer(ADMIN_TOKEN) } });
    expect(r.status).toBe(421);
    expect(r.body).not.toContain('admin-token');
  });

  it.each(['127.0.0.1:PORT', 'localhost:PORT', 'LOCALHOST:PORT', 'localhost'])('answers Host %s', async (host) => {
    const r = await raw(port, { path: '/healthz', headers: { host: host.replace('PORT', String(port)) } });
    expect(r.status).toBe(200);
  });

  it.each(['/healthz', '/api/me', '/api/nothing-here', '/readyz'])('sets the security headers on %s', async (path) => {
    const r = await raw(port, { path });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    if (path.startsWith('/api')) expect(r.headers['cache-control']).toBe('no-store');
  });

  it('keeps /healthz and /readyz open to anonymous callers and to bad credentials', async () => {
    for (const path of ['/healthz', '/readyz']) {
      expect((await raw(port, { path })).status, path).toBe(200);
      expect((await raw(port, { path, headers: bearer('pkt_not-a-real-token') })).status, path).toBe(200);
      expect((await raw(port, { path, headers: { cookie: 'park_session=forged' } })).status, path).toBe(200);
    }
  });

  it('restricts /metrics to bearer tokens when METRICS_AUTH=token', async () => {
    expect((await raw(port, { path: '/metrics' })).status).toBe(401);
    const viewer = rig.ac.users.create({ username: 'prometheus', role: 'viewer' }, SYSTEM_ADMIN);
    const { token } = rig.ac.tokens.issue(viewer.id, 'scraper', SYSTEM_ADMIN);
    const ok = await raw(port, { path: '/metrics', headers: bearer(token) });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('park_up 1\n');
  });

  it('leaves /metrics open by default (METRICS_AUTH=open)', async () => {
    const open = await authRig({ metrics: true });
    try {
      expect((await open.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
