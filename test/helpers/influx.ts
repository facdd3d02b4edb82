import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureInfluxd, freePort } from './influxd.js';

export interface StartInfluxOptions {
  /** keep meta, data and WAL here across runs (e.g. ./data/influxdb); default a temp dir removed on close */
  dataDir?: string;
  /** database to create; default 'park' for a private influxd, a unique name on an INFLUX_URL server */
  database?: string;
  /** how long influxd may take to answer /ping (default 30 s) */
  startTimeoutMs?: number;
}

export interface RunningInflux {
  /** base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  database: string;
  /** true when INFLUX_URL was used: close() leaves that server running */
  external: boolean;
  /** pid of the private influxd */
  pid?: number;
  /** directory holding the private influxd's config, meta, data and WAL */
  dataDir?: string;
  /** stops the private influxd (SIGTERM, then SIGKILL) and removes its temp dir */
  close(): Promise<void>;
  /**
   * Private influxd only: stop() ends the process (SIGTERM, then SIGKILL) and keeps its data; start()
   * runs it again on the same port with the same data, resolving once /ping answers (an outage in a test).
   */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** runs InfluxQL (times as epoch ms) against `database` (or `db`); one row per value row, with the series tags and `_measurement` */
  query<T = Record<string, unknown>>(influxql: string, db?: string): Promise<T[]>;
}

interface QueryResponse {
  error?: string;
  results?: { error?: string; series?: { name?: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] }[] }[];
}

const quoteIdent = (name: string) => `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** POST /query (InfluxDB 1.x needs POST for CREATE/DROP); credentials in the URL become basic auth. */
async function influxQuery<T>(baseUrl: string, q: string, db?: string): Promise<T[]> {
  const u = new URL(baseUrl);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (u.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  const body = new URLSearchParams({ q, epoch: 'ms', ...(db ? { db } : {}) });
  const res = await fetch(new URL('query', u.href.endsWith('/') ? u.href : `${u.href}/`), { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let json: QueryResponse;
  try {
    json = JSON.parse(text) as QueryResponse;
  } catch {
    throw new Error(`InfluxQL ${q}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
  const error = json.error ?? json.results?.find((r) => r.error)?.error;
  if (error || !res.ok) throw new Error(`InfluxQL ${q}: ${error ?? `HTTP ${res.status}`}`);
  const rows: T[] = [];
  for (const result of json.results ?? [])
    for (const s of result.series ?? [])
      for (const values of s.values ?? []) {
        const row: Record<string, unknown> = { _measurement: s.name, ...s.tags };
        s.columns.forEach((col, i) => (row[col] = values[i]));
        rows.push(row as T);
      }
  return rows;
}

// Every private influxd dies with this process: SIGTERM on exit here, and a watchdog (below) for
// deaths that skip 'exit' handlers (SIGINT/SIGTERM default action, SIGKILL).
const children = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of children) c.kill('SIGTERM');
  });
}

/**
 * A shell that waits for EOF on its stdin, a pipe whose write end only this process holds: when this
 * process ends for any reason, the kernel closes it and the watchdog stops influxd (TERM, then KILL)
 * and removes its temp dir.
 */
function startWatchdog(pid: number, tempDir?: string): ChildProcess | undefined {
  const script =
    'cat >/dev/null 2>&1; kill -TERM "$1" 2>/dev/null; i=0; ' +
    'while [ $i -lt 50 ] && kill -0 "$1" 2>/dev/null; do sleep 0.2; i=$((i+1)); done; ' +
    'kill -KILL "$1" 2>/dev/null; sleep 0.2; [ -n "$2" ] && rm -rf "$2"';
  try {
    const dog = spawn('sh', ['-c', script, 'influxd-watchdog', String(pid), tempDir ?? ''], { stdio: ['pipe', 'ignore', 'ignore'] });
    dog.on('error', () => undefined);
    dog.unref();
    (dog.stdin as unknown as Socket | null)?.unref?.();
    return dog;
  } catch {
    return undefined;
  }
}

function configToml(dir: string, rpcPort: number, httpPort: number): string {
  const s = (p: string) => JSON.stringify(join(dir, p)); // a JSON string is a valid TOML basic string
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = ${s('meta')}
  logging-enabled = false

[data]
  dir = ${s('data')}
  wal-dir = ${s('wal')}
  query-log-enabled = false
  trace-logging-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false

[continuous_queries]
  log-enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`;
}

const exited = (child: ChildProcess) => new Promise<void>((res) => (child.exitCode !== null || child.signalCode !== null ? res() : child.once('exit', () => res())));

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((res) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      res();
    }, graceMs);
  });
  await Promise.race([exited(child), killed]);
  clearTimeout(timer);
  await exited(child);
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Spawned {
  child: ChildProcess;
  url: string;
  watchdog?: ChildProcess;
  ports: { rpc: number; http: number };
}

/** Starts influxd on free loopback ports (or the given ones, for a restart); resolves once GET /ping answers 204. */
async function spawnInfluxd(bin: string, dir: string, temporary: boolean, timeoutMs: number, ports?: Spawned['ports']): Promise<Spawned> {
  let lastFailure = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const rpcPort = ports?.rpc ?? (await freePort());
    const httpPort = ports?.http ?? (await freePort());
    const configFile = join(dir, 'influxd.conf');
    writeFileSync(configFile, configToml(dir, rpcPort, httpPort));
    // INFLUXDB_* variables override the config file in influxd; do not let them leak in
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INFLUXDB_')));
    const child = spawn(bin, ['-config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
    track(child);
    const watchdog = child.pid ? startWatchdog(child.pid, temporary ? dir : undefined) : undefined;
    let log = '';
    const collect = (chunk: Buffer) => (log = (log + chunk.toString('utf8')).slice(-8192));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const url = `http://127.0.0.1:${httpPort}`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null && !spawnError) {
      const status = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status, () => 0);
      if (status === 204) {
        child.unref();
        for (const s of [child.stdout, child.stderr]) (s as unknown as Socket | null)?.unref?.();
        return { child, url, watchdog, ports: { rpc: rpcPort, http: httpPort } };
      }
      await delay(100);
    }
    await stopChild(child, 2000);
    watchdog?.kill('SIGKILL');
    watchdog?.stdin?.destroy();
    const tail = log.trim().split('\n').slice(-15).join('\n');
    lastFailure = spawnError
      ? `cannot run ${bin}: ${spawnError.message}`
      : child.exitCode !== null || child.signalCode !== null
        ? `influxd exited (${child.exitCode ?? child.signalCode}) during start-up:\n${tail}`
        : `influxd did not answer /ping within ${timeoutMs} ms:\n${tail}`;
    // a port taken between probing and binding is the only failure worth another try
    if (!/address already in use/i.test(log)) break;
  }
  throw new Error(lastFailure);
}

/**
 * An InfluxDB 1.x for tests and the demo. With INFLUX_URL set, that server is used (the database is
 * created; close() leaves the server alone and drops only a database it named itself). Otherwise a
 * private influxd runs on free 127.0.0.1 ports with its data in a temp dir (or opts.dataDir).
 */
export async function startInflux(opts: StartInfluxOptions = {}): Promise<RunningInflux> {
  const external = process.env.INFLUX_URL;
  if (external) {
    const generated = opts.database === undefined;
    const database = opts.database ?? `test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const url = external.replace(/\/+$/, '');
    await influxQuery(url, `CREATE DATABASE ${quoteIdent(database)}`);
    const unsupported = () => Promise.reject(new Error('stop()/start() need a private influxd (INFLUX_URL is set)'));
    return {
      url,
      database,
      external: true,
      query: (q, db = database) => influxQuery(url, q, db),
      stop: unsupported,
      start: unsupported,
      async close() {
        if (generated) await influxQuery(url, `DROP DATABASE ${quoteIdent(database)}`).catch(() => undefined);
      },
    };
  }

  const bin = await ensureInfluxd();
  const database = opts.database ?? 'park';
  const dir = opts.dataDir ? resolve(opts.dataDir) : mkdtempSync(join(tmpdir(), 'influxd-'));
  if (opts.dataDir) mkdirSync(dir, { recursive: true });
  const removeDir = () => {
    if (!opts.dataDir) rmSync(dir, { recursive: true, force: true });
  };
  let started: Spawned;
  try {
    started = await spawnInfluxd(bin, dir, !opts.dataDir, opts.startTimeoutMs ?? 30_000);
    await influxQuery(started.url, `CREATE DATABASE ${quoteIdent(database)}`);
  } catch (err) {
    removeDir();
    throw err;
  }
  const { url } = started;
  let running: Spawned | undefined = started;
  let closing: Promise<void> | undefined;
  const stop = async () => {
    const r = running;
    running = undefined;
    if (!r) return;
    // disarm the watchdog first (its cat sees EOF with no kill left to run), then stop influxd ourselves
    r.watchdog?.kill('SIGKILL');
    r.watchdog?.stdin?.destroy();
    await stopChild(r.child);
  };
  return {
    url,
    database,
    external: false,
    get pid() {
      return running?.child.pid;
    },
    dataDir: dir,
    query: (q, db = database) => influxQuery(url, q, db),
    stop,
    async start() {
      if (running || closing) return;
      running = await spawnInfluxd(bin, dir, !opts.dataDir, opts.startTimeoutMs ?? 30_000, started.ports);
    },
    close() {
      closing ??= (async () => {
        await stop();
        removeDir();
      })();
      return closing;
    },
  };
}
