import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connectRaw } from './mqttRaw.js';
import { sleep, stopChild, track } from './procs.js';
import { tmp } from './system.js';

/**
 * The broker a deployment would use: a private Mosquitto started with the project's shipped
 * configuration (gateway/broker/mosquitto.conf, the file docker-compose uses), on a free loopback
 * port with its own persistence and log directory, so its CPU is measured from its pid and nothing
 * else on the machine shares it. Only what ties the file to a host is replaced (listeners, paths,
 * credentials, the user to run as); every queueing and in-flight setting is kept as shipped.
 */
export interface MosquittoBroker {
  url: string;
  /** the broker's pid (its CPU is measured from /proc); undefined for a broker the harness did not start */
  pid?: number;
  /** which configuration it runs, for the report */
  config: string;
  /** it runs the project's shipped configuration */
  shipped: boolean;
  stop(): Promise<void>;
}

export const SHIPPED_CONF = 'gateway/broker/mosquitto.conf';

/** Keys that bind a configuration to a host or a secret (logins: the benchmark's clients are anonymous); replaced for the private instance. */
const HOST_KEYS = new Set(['listener', 'port', 'bind_address', 'bind_interface', 'pid_file', 'persistence_location', 'persistence_file', 'log_dest', 'password_file', 'acl_file', 'allow_anonymous', 'include_dir', 'user', 'socket_domain', 'certfile', 'keyfile', 'cafile', 'capath', 'require_certificate', 'protocol', 'psk_file', 'use_username_as_clientid']);

/** The shipped configuration with host-specific lines replaced by a private listener and directory. */
export function privateConfig(shipped: string, port: number, dir: string, asRoot: boolean): string {
  const kept = shipped.split('\n').filter((line) => {
    const key = line.trim().split(/\s+/)[0] ?? '';
    return key === '' || key.startsWith('#') || !HOST_KEYS.has(key);
  });
  return [
    ...kept,
    '# --- benchmark: a private listener and directory (test/bench/mosquitto.ts)',
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    `persistence_location ${dir}/`,
    `log_dest file ${join(dir, 'mosquitto.log')}`,
    // as root, Mosquitto 2 switches to the user "mosquitto", which cannot write the private directory
    ...(asRoot ? ['user root'] : []),
    '',
  ].join('\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `mosquitto -c <private copy of confPath>` (Mosquitto's defaults when confPath is undefined). */
export async function startMosquitto(confPath: string | undefined, bin = process.env.MOSQUITTO_BIN ?? 'mosquitto'): Promise<MosquittoBroker> {
  const dir = tmp('mosquitto');
  const port = await freePort();
  const file = join(dir, 'mosquitto.conf');
  writeFileSync(file, privateConfig(confPath ? readFileSync(confPath, 'utf8') : '', port, dir, process.getuid?.() === 0));
  const child = track(spawn(bin, ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const url = `mqtt://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child, 5000);
    rmSync(dir, { recursive: true, force: true });
  };
  const failed = new Promise<Error>((resolve) => {
    child.once('error', (err) => resolve(err));
    child.once('exit', (code) => resolve(new Error(`mosquitto exited (${code}) at start: ${stderr.trim() || readLog(dir)}`)));
  });
  for (let i = 0; i < 100; i++) {
    const ready = await Promise.race([
      connectRaw(url, `bench-probe-${randomBytes(4).toString('hex')}`).then(
        (c) => c.disconnect().then(() => true),
        () => false,
      ),
      failed,
    ]);
    if (ready instanceof Error) {
      await stop();
      throw ready;
    }
    if (ready) return { url, pid: child.pid, config: confPath ? `${confPath} (as shipped; listener, paths and credentials replaced)` : "Mosquitto's defaults (no shipped configuration found)", shipped: confPath !== undefined, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`mosquitto did not accept connections on ${url} within 10 s`);
}

function readLog(dir: string): string {
  const f = join(dir, 'mosquitto.log');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').slice(-5).join('; ') : '';
}
