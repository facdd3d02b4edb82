import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Observable, Subject } from 'rxjs';
import type { Logger } from 'pino';
import type { BrokerHandoff, BrokerMessage } from '../inputs/types.js';
import type { BrokerAccess } from './access.js';
import { DEFAULT_LIMITS, type BrokerLimits, type FromWorker, type ToWorker, type WorkerConfig } from './protocol.js';

export interface EmbeddedBrokerOptions {
  /** interface to bind; loopback unless told otherwise */
  host?: string;
  /** plain TCP port; 0 picks a free one */
  port?: number;
  /** the plain TCP listener (default true) */
  plain?: boolean;
  /** an mqtts listener: port (0 picks one), certificate and key (PEM) */
  tls?: { port: number; cert: string; key: string };
  topicPrefix: string;
  /** who may connect and publish (policy.ts brokerAccess); there is no default: every caller decides */
  access: BrokerAccess;
  limits?: Partial<BrokerLimits>;
  log?: Logger;
}

/** Refusals by action and reason, as counted in park_mqtt_denied_total. */
export interface BrokerCounters {
  denied: Map<string, number>;
  retainCleared: Map<string, number>;
}

export interface EmbeddedBroker {
  /** e.g. mqtt://127.0.0.1:1883 */
  url: string;
  port: number;
  /** mqtts://127.0.0.1:<tlsPort> when the TLS listener is on */
  tlsUrl?: string;
  tlsPort?: number;
  /** refusals (key `<action> <reason>`) and cleared retain flags (key: reason) so far */
  readonly counters: BrokerCounters;
  /** the data messages, one hand-off per broker turn; give it to the MQTT input (InputContext.mqttFeed) */
  feed: Observable<BrokerHandoff>;
  /** the broker's thread (its event loop utilisation is the broker's share of the process' CPU) */
  readonly worker: Worker;
  /** disconnects every client, stops listening, ends the thread */
  close(): Promise<void>;
}

/**
 * How the worker is started: the compiled worker.js next to this file, or (development: tsx, vitest) the
 * TypeScript source through tsx's API. `--import tsx` in a worker's execArgv is not honoured by Node 20.
 */
function spawn(cfg: WorkerConfig): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(ts ? './worker.ts' : './worker.js', import.meta.url);
  if (!ts) return new Worker(url, { workerData: cfg });
  // the package's ESM entry (its "import" export) sits next to the CommonJS one require.resolve finds
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => (m.tsImport ?? m.default.tsImport)(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
  return new Worker(boot, { eval: true, workerData: cfg });
}

function forwardLog(log: Logger | undefined, line: string) {
  if (!log) return;
  try {
    const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg: string };
    const at = level >= 50 ? 'error' : level >= 40 ? 'warn' : level >= 30 ? 'info' : 'debug';
    log[at]({ component: 'broker', ...fields }, msg);
  } catch {
    log.info({ component: 'broker' }, line);
  }
}

/**
 * The embedded MQTT broker (aedes) in a worker thread, so MQTT parsing, session state and fan-out to
 * other subscribers do not share the gateway's event loop. The gateway is not an MQTT client of it:
 * each data message (topic `<topicPrefix>/...`) is handed over as bytes (`feed`), and its PUBACK goes to
 * the device only after the hand-off is settled (handoff.ts), i.e. after its readings are on disk.
 * Hand-offs that arrive while nobody subscribes to `feed` wait (their devices wait for the PUBACK).
 */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const cfg: WorkerConfig = {
    host,
    port: opts.port ?? 0,
    plain: opts.plain ?? true,
    tls: opts.tls,
    topicPrefix: opts.topicPrefix,
    access: opts.access,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    logLevel: opts.log?.level ?? 'silent',
  };
  const counters: BrokerCounters = { denied: new Map(), retainCleared: new Map() };
  const bump = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
  const worker = spawn(cfg);
  const send = (m: ToWorker) => worker.postMessage(m);
  const handoffs = new Subject<BrokerHandoff>();
  const waiting: BrokerHandoff[] = [];
  let attached = false;
  let closed: (() => void) | undefined;

  const toHandoff = (m: Extract<FromWorker, { type: 'data' }>): BrokerHandoff => {
    const messages: BrokerMessage[] = m.topics.map((topic, i) => {
      const p = m.payloads[i]!;
      return { topic, payload: Buffer.from(p.buffer, p.byteOffset, p.byteLength), dup: m.dups[i]! };
    });
    let settled = false;
    return {
      messages,
      settle(err) {
        if (settled) return;
        settled = true;
        send({ type: 'settle', ids: m.ids, ...(err ? { err: err.message } : {}) });
      },
    };
  };

  const { port, tlsPort } = await new Promise<{ port: number; tlsPort?: number }>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'listening') resolve(m);
      else if (m.type === 'denied') bump(counters.denied, `${m.action} ${m.reason}`);
      else if (m.type === 'retainCleared') bump(counters.retainCleared, m.reason);
      else if (m.type === 'failed') reject(new Error(m.message));
      else if (m.type === 'data') {
        const h = toHandoff(m);
        if (attached) handoffs.next(h);
        else waiting.push(h);
      } else if (m.type === 'log') forwardLog(opts.log, m.line);
      else if (m.type === 'closed') closed?.();
    });
  }).catch(async (err: Error) => {
    await worker.terminate();
    throw err;
  });
  worker.on('error', (err) => opts.log?.error({ err }, 'mqtt broker thread failed'));
  const h = host.includes(':') ? `[${host}]` : host;
  const tlsUrl = cfg.tls ? `mqtts://${h}:${tlsPort}` : undefined;
  const url = cfg.plain ? `mqtt://${h}:${port}` : tlsUrl!;

  const feed = new Observable<BrokerHandoff>((subscriber) => {
    if (attached) {
      subscriber.error(new Error('the embedded broker feeds one MQTT input at a time'));
      return;
    }
    attached = true;
    const sub = handoffs.subscribe(subscriber);
    for (const h of waiting.splice(0)) subscriber.next(h);
    return () => {
      attached = false;
      sub.unsubscribe();
    };
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const done = new Promise<void>((resolve) => (closed = resolve));
      send({ type: 'close' });
      const timer = setTimeout(() => closed?.(), 10_000);
      await done;
      clearTimeout(timer);
      await worker.terminate();
      handoffs.complete();
    })());

  return { url, port, tlsUrl, tlsPort, counters, feed, worker, close };
}
