import './childGuard.js';
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { filter, mergeMap, type Subscription } from 'rxjs';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { anonymousAccess, startEmbeddedBroker, type EmbeddedBroker } from '../../gateway/broker/index.js';
import { parseRegistry } from '../../gateway/registry/loader.js';
import { procCpuMs } from './procs.js';

/**
 * The system under test in its own process, as `npm start` runs it: the embedded aedes broker (or an
 * external broker) and startGateway with every rule. Reports its counters, CPU and memory over IPC, so
 * the harness's own work never counts as the gateway's.
 */
export interface GatewayStart {
  type: 'start';
  registryFile: string;
  /** start the embedded broker in this process (default: use mqttUrl) */
  embeddedBroker: boolean;
  mqttUrl?: string;
  influx: { url: string; database: string };
  dataDir: string;
  statusMs: number;
  /** WeCom robot key for the alerts (the registry's alerts.wecom.baseUrl points at a stand-in) */
  wecomKey?: string;
}

export interface GatewayStatusMsg {
  type: 'status';
  /** epoch ms */
  t: number;
  received: number;
  accepted: number;
  rejected: number;
  deadLetters: number;
  written: number;
  queued: number;
  dropped: number;
  writeErrors: number;
  /** process.cpuUsage user + system, ms since start: every thread of the process (a broker worker thread included) */
  cpuMs: number;
  /** CPU of the main (JavaScript) thread alone, ms since start (/proc/thread-self/stat) */
  mainCpuMs: number;
  /** CPU of the embedded broker where it runs in a child process of the gateway (its pid, /proc), ms */
  brokerCpuMs?: number;
  /** event loop utilisation of the embedded broker's worker thread since the previous status, where it runs in one */
  brokerElu?: number;
  rss: number;
  /** event loop utilisation of the main thread since the previous status, 0..1 */
  elu: number;
  /** event loop delay p99 since the previous status, ms */
  lagP99: number;
  /** monotonic clock (µs), the clock of V8's CPU profile timestamps */
  hrUs: number;
}

export interface TicketMsg {
  type: 'ticket';
  change: string;
  site: string;
  rule: string;
  value?: number;
  /** epoch ms with sub-ms precision (performance.timeOrigin + now) */
  at: number;
}

const send = (m: unknown) => process.send?.(m);
const readText = (p: string) => readFileSync(p, 'utf8');
/** CPU of the calling thread (called on the main thread: the main thread's) */
const mainCpuMs = () => procCpuMs(0, () => readText('/proc/thread-self/stat')) ?? NaN;
/**
 * Where the embedded broker runs off the main thread, it may expose its child process (`pid`) or
 * worker thread (`worker`): then its CPU or event loop utilisation is reported apart from the gateway's.
 */
const brokerChild = (b: EmbeddedBroker | undefined) => (b as { pid?: unknown } | undefined)?.pid;
const brokerWorker = (b: EmbeddedBroker | undefined): Worker | undefined => b?.worker;
const wallNow = () => performance.timeOrigin + performance.now();

let gw: Gateway | undefined;
let broker: EmbeddedBroker | undefined;
const subs: Subscription[] = [];
let timer: NodeJS.Timeout | undefined;
/** Modbus poll deviations |gap − interval| per device while collecting */
let jitter: { collecting: boolean; last: Map<string, number>; deviations: Record<string, number[]>; polls: number } = { collecting: false, last: new Map(), deviations: {}, polls: 0 };

async function start(m: GatewayStart) {
  const registry = parseRegistry(JSON.parse(readFileSync(m.registryFile, 'utf8')), m.registryFile);
  const log = pino({ level: 'warn' }, pino.destination({ dest: join(m.dataDir, 'gateway.log'), sync: false, minLength: 4096 }));
  if (m.embeddedBroker) broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, log, topicPrefix: registry.inputs.mqtt.topicPrefix, access: anonymousAccess(), limits: { publishRate: { perSec: 1e9, burst: 1e9 } } });
  const mqttUrl = broker?.url ?? m.mqttUrl!;
  gw = await startGateway({ registry, mqttUrl, mqttFeed: broker?.feed, influx: m.influx, httpPort: 0, dataDir: m.dataDir, log, alertSecrets: m.wecomKey ? { wecomKey: m.wecomKey } : {} });
  const g = gw;
  const intervals = new Map(registry.sites.flatMap((s) => s.devices.map((d) => [d.id, d.intervalMs] as const)));
  // analysers on a cycle are stamped with their sample time, not the poll's: they tell nothing of the poll timing
  const sampled = new Set(registry.sites.flatMap((s) => s.devices.flatMap((d) => (d.kind === 'modbus' ? (registry.inputs.modbus.maps[d.map]?.channels ?? []).filter((c) => c.sampleTime).map((c) => `${d.id}/${c.pollutant}`) : []))));
  subs.push(
    g.tickets.changes$.pipe(filter((c) => c.type === 'opened' || c.type === 'recurred')).subscribe((c) => {
      const ev = (c as { event?: { site: string; rule: string; value?: number } }).event;
      send({ type: 'ticket', change: c.type, site: ev?.site ?? c.ticket.site, rule: ev?.rule ?? c.ticket.rule, value: ev?.value, at: wallNow() } satisfies TicketMsg);
    }),
    g.processor.accepted$.pipe(mergeMap((b) => b), filter((r) => r.source === 'modbus' && !sampled.has(`${r.device}/${r.pollutant}`))).subscribe((r) => {
      const last = jitter.last.get(r.device);
      if (last === r.ts) return; // every reading of one poll shares its timestamp
      jitter.last.set(r.device, r.ts);
      if (!jitter.collecting || last === undefined) return;
      jitter.polls++;
      (jitter.deviations[r.device] ??= []).push(Math.abs(r.ts - last - (intervals.get(r.device) ?? 0)));
    }),
  );
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  const worker = brokerWorker(broker);
  let workerElu = worker?.performance.eventLoopUtilization();
  const childPid = brokerChild(broker);
  timer = setInterval(() => {
    const st = g.status();
    const c = g.sink.counters;
    const cpu = process.cpuUsage();
    const now = performance.eventLoopUtilization();
    const d = performance.eventLoopUtilization(now, elu);
    elu = now;
    const wNow = worker?.performance.eventLoopUtilization();
    const wd = wNow && workerElu ? worker!.performance.eventLoopUtilization(wNow, workerElu) : undefined;
    workerElu = wNow;
    send({
      type: 'status',
      t: Date.now(),
      received: st.received,
      accepted: st.accepted,
      rejected: st.rejected,
      deadLetters: st.deadLetters,
      written: c.pointsWritten,
      queued: c.queuedPoints,
      dropped: c.pointsDropped,
      writeErrors: c.writeErrors,
      cpuMs: (cpu.user + cpu.system) / 1000,
      mainCpuMs: mainCpuMs(),
      brokerCpuMs: typeof childPid === 'number' ? procCpuMs(childPid, readText) : undefined,
      brokerElu: wd?.utilization,
      rss: process.memoryUsage.rss(),
      elu: d.utilization,
      lagP99: delay.percentile(99) / 1e6,
      hrUs: Number(process.hrtime.bigint() / 1000n),
    } satisfies GatewayStatusMsg);
    delay.reset();
  }, m.statusMs);
  send({ type: 'started', mqttUrl, httpPort: g.httpPort, pid: process.pid });
}

async function stop() {
  if (timer) clearInterval(timer);
  for (const s of subs) s.unsubscribe();
  const final = gw?.status();
  await gw?.stop();
  await broker?.close();
  const cpu = process.cpuUsage();
  send({ type: 'stopped', status: final, cpuMs: (cpu.user + cpu.system) / 1000, maxRss: process.resourceUsage().maxRSS * 1024 });
  // let the IPC message leave before exiting (and --cpu-prof write its profile)
  setTimeout(() => process.exit(0), 200);
}

process.on('message', (m: { type: string }) => {
  void (async () => {
    try {
      if (m.type === 'start') await start(m as GatewayStart);
      else if (m.type === 'jitter-start') jitter = { collecting: true, last: jitter.last, deviations: {}, polls: 0 };
      else if (m.type === 'jitter-report') {
        send({ type: 'jitter', deviations: jitter.deviations, polls: jitter.polls });
        jitter.collecting = false;
      } else if (m.type === 'stop') await stop();
    } catch (err) {
      send({ type: 'failed', error: (err as Error).stack ?? String(err) });
    }
  })();
});
