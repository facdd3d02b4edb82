import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket, TicketPage } from '../../processor/tickets/types.js';
import { startSimulators, type ParkSimulators } from '../../simulators/index.js';
import { startBroker } from '../helpers/broker.js';
import { freePort } from '../helpers/influxd.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { fastPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const S = 1000;
const KEY = 'exceedance|wp-cod|WP-02|w01018';

/** The gateway as its own process (`tsx gateway/main.ts`), in its own process group so kill -9 hits all of it. */
function gateway(env: Record<string, string>): ChildProcess {
  return spawn('npx', ['tsx', 'gateway/main.ts'], { cwd: root, env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
}
const kill9 = (p: ChildProcess) => {
  try {
    process.kill(-p.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
};

describe('kill -9 in the middle of an open duration', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let sims: ParkSimulators;
  let dir: string;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  // the API answers signed-in callers only: the gateway process is given an admin token (PARK_ADMIN_TOKEN, issue 11)
  const api = async <T>(path: string) => (await (await fetch(`http://127.0.0.1:${env.HTTP_PORT}${path}`, { headers: { authorization: `Bearer ${env.PARK_ADMIN_TOKEN}` } })).json()) as T;
  const ready = () => waitFor(async () => (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/healthz`).catch(() => undefined))?.ok, 'the gateway to answer /healthz', 60 * S);
  const tickets = async () => (await api<TicketPage>('/api/tickets?site=WP-02&limit=100')).tickets.filter((t) => t.rule === 'wp-cod');
  const stored = () => {
    const db = new Database(join(dir, 'park.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare<[string], { state: string }>('SELECT state FROM rule_state WHERE key = ?').get(KEY);
      return row ? (JSON.parse(row.state) as { phase: string; episode?: { since: number } }) : undefined;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'park-restart-'));
    influx = await startInflux();
    broker = await startBroker();
    const registry = fastPark((r) => {
      r.rules = r.rules.map((rule) => (rule.type === 'exceedance' && rule.id === 'wp-cod' ? { ...rule, durationMs: 12 * S } : rule));
      for (const s of r.sites) delete s.interlock;
    });
    sims = await startSimulators(registry, { mqttUrl: broker.url, mqttIntervalMs: 1000 });
    writeFileSync(join(dir, 'park.yaml'), stringify(sims.registry));
    env = { PARK_CONFIG: join(dir, 'park.yaml'), INFLUX_URL: influx.url, INFLUX_DATABASE: influx.database, MQTT_URL: broker.url, HTTP_PORT: String(await freePort()), DATA_DIR: dir, PARK_ADMIN_TOKEN: `restart-test-${process.pid}-admin-token` };
  }, 120_000);

  afterAll(async () => {
    children.forEach(kill9);
    await sims?.close();
    await broker?.close();
    await influx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the running duration and never duplicates the ticket', async () => {
    children.push(gateway(env));
    await ready();
    sims.signals.set('WP-02', 'w01018', 700);
    const pending = await waitFor(() => (stored()?.phase === 'pending' ? stored() : undefined), 'the pending exceedance on disk', 30 * S);
    const since = pending!.episode!.since;
    await waitFor(() => Date.now() - since > 4 * S, 'a few seconds into the 12 s duration');
    kill9(children[0]!);
    expect(await tickets().catch(() => 'down')).toBe('down');

    children.push(gateway(env));
    await ready();
    const restartedAt = Date.now();
    const [ticket] = await waitFor(async () => {
      const ts = await tickets();
      return ts.length ? ts : undefined;
    }, 'the ticket after the restart', 30 * S);
    // the episode that began before the kill is the one that opened: same start, opened 12 s after it,
    // not 12 s after the restart
    expect(ticket!.firstSeen).toBe(since);
    expect(ticket!.openedAt - since).toBeGreaterThanOrEqual(12 * S);
    expect(ticket!.openedAt).toBeLessThan(restartedAt + 12 * S - 2 * S);

    // kill -9 again while the exceedance goes on; the restarted gateway attaches to the same ticket
    kill9(children[1]!);
    children.push(gateway(env));
    await ready();
    const again = Date.now();
    // the restarted engine resumes the open episode: its next updates land on the same ticket
    await waitFor(async () => (await tickets()).find((t) => t.id === ticket!.id && t.updatedAt > again), 'an update on the ticket after the second restart', 30 * S);
    const after = await tickets();
    expect(after.map((t) => t.id)).toEqual([ticket!.id]);
    expect((await api<Ticket>(`/api/tickets/${ticket!.id}`)).status).toBe('open');
  });
});
