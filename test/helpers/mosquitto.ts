import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { provision, type Issued } from '../../gateway/tools/credentials/provision.js';
import { freePort } from './influxd.js';
import { waitFor } from './wait.js';

export interface RunningMosquitto {
  url: string;
  port: number;
  dir: string;
  /** SIGTERM (Mosquitto writes its persistence file on the way out), then the same config on the same port */
  restart(opts?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** stops Mosquitto and removes its temp dir */
  close(): Promise<void>;
  log(): string;
  /** `{ shipped: true }`: the logins issued for the private broker (password file and ACL from the registry) */
  credentials?: MosquittoCredentials;
  /** `{ tls }`: the TLS listener (mqtts://127.0.0.1:<tlsPort>) */
  tlsUrl?: string;
}

export interface MosquittoCredentials {
  gateway: { username: string; password: string };
  /** broker username (device id, or site id per station) → plain password */
  users: Map<string, string>;
  passwordFile: string;
  aclFile: string;
  secretsFile: string;
}

export interface MosquittoOptions {
  /** every setting of gateway/broker/mosquitto.conf, with a password file and ACL made by the credentials tool */
  shipped?: boolean;
  /** the registry the logins and ACL are issued for (default: the shipped park) */
  registry?: Registry;
  /** per station: one login per site instead of per device */
  perStation?: boolean;
  /** a TLS listener too, with these files; `requireCertificate`: clients must present one signed by `ca` */
  tls?: { ca: string; cert: string; key: string; requireCertificate?: boolean };
}

/** The credentials tool's output for a private broker: cheap scrypt (the tests' cost), the password file Mosquitto reads. */
function issue(dir: string, o: MosquittoOptions): MosquittoCredentials {
  const secretsFile = join(dir, 'secrets.yaml');
  const r = provision({ registry: o.registry ?? loadRegistry(), secretsFile, outDir: dir, mode: o.perStation ? 'station' : 'device', cost: { ln: 4, r: 8, p: 1 } });
  const of = (kind: Issued['kind']) => r.issued.filter((i) => i.kind === kind);
  return {
    gateway: { username: r.gatewayUser, password: of('gateway')[0]!.secret },
    users: new Map(of('mqtt').map((i) => [i.name, i.secret])),
    passwordFile: r.passwordFile,
    aclFile: r.aclFile,
    secretsFile,
  };
}

const children = new Set<ChildProcess>();
let hooked = false;

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

async function accepting(port: number, timeoutMs: number): Promise<void> {
  const connects = () =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
  await waitFor(connects, `mosquitto to listen on 127.0.0.1:${port}`, timeoutMs, 50);
}

/** The Mosquitto configuration shipped for deployments (docker-compose.yml). */
export const SHIPPED_MOSQUITTO_CONF = fileURLToPath(new URL('../../gateway/broker/mosquitto.conf', import.meta.url));

/** The shipped configuration's settings, without what a private test broker sets itself (listener, paths, logging). */
function shippedSettings(): string[] {
  const own = /^\s*(listener|port|persistence_location|log_dest|log_type|user|password_file|acl_file|cafile|certfile|keyfile|tls_version|require_certificate)\b/;
  return readFileSync(SHIPPED_MOSQUITTO_CONF, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#') && !own.test(l));
}

/**
 * The shipped file's commented TLS listener example, uncommented, on 127.0.0.1:<port> with the given
 * files: what an operator gets by uncommenting it, so a broken example fails the TLS tests.
 */
function shippedTlsListener(port: number, tls: NonNullable<MosquittoOptions['tls']>): string[] {
  const lines = readFileSync(SHIPPED_MOSQUITTO_CONF, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^#listener 8883\s*$/.test(l));
  if (start < 0) throw new Error(`${SHIPPED_MOSQUITTO_CONF}: no commented TLS listener example (#listener 8883)`);
  const example: string[] = [];
  for (const l of lines.slice(start)) {
    const m = /^#([a-z_]+)(?:\s+(.*))?$/.exec(l);
    if (!m) break;
    example.push(m[1] + (m[2] ? ` ${m[2]}` : ''));
  }
  const files: Record<string, string> = { cafile: tls.ca, certfile: tls.cert, keyfile: tls.key };
  return example.map((l) => {
    const key = l.split(' ')[0]!;
    if (key === 'listener') return `listener ${port} 127.0.0.1`;
    if (key === 'require_certificate') return `require_certificate ${tls.requireCertificate ? 'true' : 'false'}`;
    return files[key] ? `${key} ${files[key]}` : l;
  });
}

/**
 * A private Mosquitto for one test: `listener <port> 127.0.0.1`, anonymous, persistence on in a temp
 * dir (persistent sessions and their queued QoS 1 messages survive a restart), no queue limit.
 * `{ shipped: true }` takes every other setting from gateway/broker/mosquitto.conf, as deployed, with a
 * password file and ACL issued by the credentials tool for `registry` (logins in `credentials`).
 * Never the machine's shared broker on 1883.
 */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  const port = await freePort();
  const credentials = opts.shipped ? issue(dir, opts) : undefined;
  const tlsPort = opts.tls ? await freePort() : undefined;
  const conf = join(dir, 'mosquitto.conf');
  const logFile = join(dir, 'mosquitto.log');
  const settings = opts.shipped
    ? shippedSettings()
    : [
        'allow_anonymous true',
        'persistence true',
        'max_queued_messages 0', // no limit: a persistent session queues everything while its client is away
        'max_inflight_messages 20',
      ];
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      ...settings,
      ...(credentials ? [`password_file ${credentials.passwordFile}`, `acl_file ${credentials.aclFile}`] : []),
      // listener options follow their listener line (man 5 mosquitto.conf, "Listeners"); shipped: the file's own example
      ...(opts.tls && tlsPort
        ? opts.shipped
          ? shippedTlsListener(tlsPort, opts.tls)
          : [`listener ${tlsPort} 127.0.0.1`, `cafile ${opts.tls.ca}`, `certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`, `require_certificate ${opts.tls.requireCertificate ? 'true' : 'false'}`]
        : []),
      `persistence_location ${dir}/`,
      `log_dest file ${logFile}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      // when run as root, Mosquitto 2 would drop to user "mosquitto", who cannot write the temp dir
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  if (!hooked) {
    hooked = true;
    process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  }
  const start = async () => {
    const c = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    children.add(c);
    c.once('exit', () => children.delete(c));
    child = c;
    await accepting(port, 15_000);
    if (tlsPort) await accepting(tlsPort, 15_000);
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    child = undefined;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited(c);
    clearTimeout(timer);
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    credentials,
    tlsUrl: tlsPort ? `mqtts://127.0.0.1:${tlsPort}` : undefined,
    dir,
    start,
    stop,
    async restart(opts = {}) {
      await stop();
      // the outage length is the scenario (the broker stays away this long), not a wait for a condition
      if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
      await start();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
}
