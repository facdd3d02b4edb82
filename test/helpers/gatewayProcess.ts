import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Environment for startGatewayProcess that loads the test-only preload slowSpoolAppend.mjs: every write
 * to the spool first blocks the gateway's thread for `delayMs`, so a gateway that acknowledged readings
 * before appending them has them acknowledged and not durable for that long (a kill -9 then loses them).
 * `reportFile` gets '(' when a held write starts and ')' when it ends (see inSpoolAppend).
 */
export function slowSpoolAppendEnv(delayMs: number, reportFile: string): Record<string, string> {
  const preload = fileURLToPath(new URL('./slowSpoolAppend.mjs', import.meta.url));
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${JSON.stringify(preload)}`.trim(),
    PARK_TEST_SPOOL_APPEND_DELAY_MS: String(delayMs),
    PARK_TEST_SPOOL_APPEND_REPORT: reportFile,
  };
}

/** Held spool writes started so far in a gateway started with slowSpoolAppendEnv, and whether one is in progress. */
export function inSpoolAppend(reportFile: string): { started: number; now: boolean } {
  let size = 0;
  try {
    size = statSync(reportFile).size;
  } catch {
    /* none yet */
  }
  return { started: Math.ceil(size / 2), now: size % 2 === 1 };
}

/**
 * Resolves once the gateway's GET /readyz says its MQTT input is connected and its subscription granted
 * (other checks, e.g. InfluxDB during an outage, may still fail). Before that a broker that holds no
 * session for the gateway acknowledges devices' messages and drops them.
 */
export async function whenMqttInputReady(httpPort: string | number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined);
      const body = (await res?.json().catch(() => undefined)) as { checks?: { mqtt?: { ok?: boolean } } } | undefined;
      return body?.checks?.mqtt?.ok === true;
    },
    "the gateway's MQTT input subscribed (GET /readyz)",
    timeoutMs,
  );
}

/** One pino line of the gateway's log. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface GatewayProcess {
  readonly pid: number;
  /** log lines at or above LOG_LEVEL (default warn), parsed */
  readonly logs: LogLine[];
  /** everything written to stdout and stderr, as written (when started with `{ capture: true }`) */
  readonly output: string[];
  /** resolves with the exit code (or signal) */
  readonly exited: Promise<number | string | null>;
  /** resident set size now (/proc/<pid>/status VmRSS), in bytes; undefined once gone */
  rss(): number | undefined;
  /** SIGKILL, no chance to flush anything */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop); resolves on exit */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let hooked = false;

/**
 * The gateway as its own process: `node --import tsx gateway/main.ts` (one process, so its pid is the
 * gateway's for RSS), configured by environment variables like production. Resolves once GET /healthz
 * on HTTP_PORT answers.
 */
export async function startGatewayProcess(env: Record<string, string>, readyTimeoutMs = 60_000, o: { capture?: boolean } = {}): Promise<GatewayProcess> {
  if (!env.HTTP_PORT) throw new Error('startGatewayProcess: HTTP_PORT is required');
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', o.capture ? 'pipe' : 'inherit'],
    detached: true,
  });
  running.add(child);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => running.forEach((c) => c.kill('SIGKILL')));
  }
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal);
    }),
  );
  const logs: LogLine[] = [];
  const output: string[] = [];
  if (o.capture) {
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      process.stderr.write(chunk);
    });
  }
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ level: 0, msg: line });
      }
      if (logs.length > 5000) logs.splice(0, 1000);
    }
  });
  let gone: number | string | null | undefined;
  void exited.then((c) => (gone = c));
  await waitFor(
    async () => {
      if (gone !== undefined) throw new Error(`gateway exited (${gone}) before answering /healthz: ${JSON.stringify(logs.slice(-5))}`);
      return (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/healthz`).catch(() => undefined))?.ok;
    },
    'the gateway process to answer /healthz',
    readyTimeoutMs,
  );
  const pid = child.pid!;
  const signal = async (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
    await exited;
  };
  return {
    pid,
    logs,
    output,
    exited,
    rss() {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        return kb === undefined ? undefined : Number(kb) * 1024;
      } catch {
        return undefined;
      }
    },
    kill9: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
