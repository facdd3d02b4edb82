import type { ConnectionState } from './hooks.js';

/** One check's outcome; `detail` says what was checked and, on failure, why it failed. */
export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface ReadinessCheck {
  name: string;
  check(): CheckResult | Promise<CheckResult>;
}

export interface ReadinessReport {
  ready: boolean;
  /** names of the failed checks */
  failed: string[];
  checks: Record<string, CheckResult>;
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
}

/** Runs every check in parallel; a check that takes longer than `timeoutMs` (default 1 s) fails as such. */
export function createReadiness(checks: ReadinessCheck[], opts: { timeoutMs?: number } = {}): Readiness {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const guarded = async (c: ReadinessCheck): Promise<CheckResult> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(() => c.check()), late]);
    } catch (err) {
      return { ok: false, detail: `check failed: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async check() {
      const results = await Promise.all(checks.map(guarded));
      const report: ReadinessReport = { ready: true, failed: [], checks: {} };
      checks.forEach((c, i) => {
        const r = results[i]!;
        report.checks[c.name] = r;
        if (!r.ok) {
          report.ready = false;
          report.failed.push(c.name);
        }
      });
      return report;
    },
  };
}

/** URL without credentials (safe to show) and the basic-auth header they become. */
function split(url: string): { shown: string; ping: string; headers: Record<string, string> } {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (u.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  const base = u.href.endsWith('/') ? u.href : `${u.href}/`;
  return { shown: u.href.replace(/\/$/, ''), ping: new URL('ping', base).href, headers };
}

/**
 * InfluxDB answers GET /ping (1.x: 204 No Content). The answer is cached for `ttlMs` (default 5 s), so
 * frequent probes cost InfluxDB one request per period; a ping never waits longer than `timeoutMs`
 * (default 1 s). Concurrent checks share one request.
 */
export function influxPing(url: string, opts: { ttlMs?: number; timeoutMs?: number; now?: () => number } = {}): ReadinessCheck {
  const ttlMs = opts.ttlMs ?? 5000;
  const timeoutMs = opts.timeoutMs ?? 1000;
  const now = opts.now ?? Date.now;
  let cached: { at: number; result: CheckResult } | undefined;
  let inFlight: Promise<CheckResult> | undefined;
  const ping = async (): Promise<CheckResult> => {
    let target: ReturnType<typeof split>;
    try {
      target = split(url);
    } catch {
      return { ok: false, detail: `InfluxDB URL is not a valid URL` };
    }
    try {
      const res = await fetch(target.ping, { headers: target.headers, signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, detail: `InfluxDB at ${target.shown} answered /ping (${res.status})` };
      return { ok: false, detail: `InfluxDB at ${target.shown} answered /ping with HTTP ${res.status}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer to /ping within ${timeoutMs} ms` : `/ping failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`;
      return { ok: false, detail: `InfluxDB at ${target.shown}: ${why}` };
    }
  };
  return {
    name: 'influxdb',
    check() {
      if (cached && now() - cached.at < ttlMs) return cached.result;
      inFlight ??= ping().then((result) => {
        cached = { at: now(), result };
        inFlight = undefined;
        return result;
      });
      return inFlight;
    },
  };
}

/**
 * The MQTT input holds a connection to its broker and the broker granted its subscription (skipped when
 * the park has no MQTT device). Until the SUBACK, a broker that holds no session for the input drops
 * what devices publish, so a gateway is not ready before it.
 */
export function mqttConnected(state: ConnectionState, expected: boolean, now: () => number = Date.now): ReadinessCheck {
  return {
    name: 'mqtt',
    check() {
      if (!expected) return { ok: true, detail: 'no MQTT devices in the registry' };
      const clients = [...state.clients];
      const up = clients.find(([, c]) => c.connected && c.subscribed);
      if (up) return { ok: true, detail: `MQTT input ${up[0]} connected to ${up[1].url} and subscribed` };
      const unsubscribed = clients.find(([, c]) => c.connected);
      if (unsubscribed) return { ok: false, detail: `MQTT input ${unsubscribed[0]} connected to ${unsubscribed[1].url}, its subscription not granted yet` };
      const down = clients[0];
      if (!down) return { ok: false, detail: 'MQTT input has not connected to its broker yet' };
      return { ok: false, detail: `MQTT input ${down[0]} disconnected from ${down[1].url} for ${Math.round((now() - down[1].since) / 1000)} s` };
    },
  };
}

/** The spool of the InfluxDB writer can take more points. */
export function spoolNotFull(spool: { full(): boolean; bytes(): number }): ReadinessCheck {
  return {
    name: 'spool',
    check: () => (spool.full() ? { ok: false, detail: `spool is full (${spool.bytes()} bytes); new points would be dropped` } : { ok: true, detail: `spool holds ${spool.bytes()} bytes` }),
  };
}
