import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from '../../gateway/registry/schema.js';
import type { GatewayStart, GatewayStatusMsg, TicketMsg } from './gatewayProc.js';
import type { PublisherPlan, PublisherResult } from './load.js';
import { isType, nextMessage, procCpuMs, spawnTs, stopChild } from './procs.js';

/** Harness-side handles on the benchmark's child processes. */

export const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `bench-${tag}-`));
const readText = (p: string) => readFileSync(p, 'utf8');
export const influxCpuMs = (pid: number | undefined) => (pid ? (procCpuMs(pid, readText) ?? 0) : 0);

export interface GatewayHandle {
  child: ChildProcess;
  pid: number;
  mqttUrl: string;
  statuses: GatewayStatusMsg[];
  latest(): GatewayStatusMsg | undefined;
  onTicket(fn: (t: TicketMsg) => void): () => void;
  jitterStart(): void;
  jitterReport(): Promise<{ deviations: Record<string, number[]>; polls: number }>;
  /** stops the gateway (flushes its writer); returns its final CPU time and peak RSS */
  stop(): Promise<{ cpuMs: number; maxRss: number } | undefined>;
}

export interface GatewayProcOptions {
  registry: Registry;
  embeddedBroker: boolean;
  mqttUrl?: string;
  influx: { url: string; database: string };
  /** node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…'] */
  nodeArgs?: string[];
  statusMs?: number;
  wecomKey?: string;
}

export async function startGatewayProc(o: GatewayProcOptions): Promise<GatewayHandle> {
  const dataDir = tmp('gw');
  const registryFile = join(dataDir, 'registry.json');
  writeFileSync(registryFile, JSON.stringify(o.registry));
  const child = spawnTs('./gatewayProc.ts', { nodeArgs: o.nodeArgs });
  const statuses: GatewayStatusMsg[] = [];
  const ticketFns = new Set<(t: TicketMsg) => void>();
  child.on('message', (m: { type?: string; error?: string }) => {
    if (m.type === 'status') statuses.push(m as GatewayStatusMsg);
    else if (m.type === 'ticket') for (const f of ticketFns) f(m as TicketMsg);
    else if (m.type === 'failed') console.error(`gateway process: ${m.error}`);
  });
  const start: GatewayStart = { type: 'start', registryFile, embeddedBroker: o.embeddedBroker, mqttUrl: o.mqttUrl, influx: o.influx, dataDir, statusMs: o.statusMs ?? 500, wecomKey: o.wecomKey };
  child.send(start);
  const started = await nextMessage(child, isType<{ type: 'started'; mqttUrl: string; pid: number }>('started'), 90_000, 'the gateway to start');
  let stopped: Promise<{ cpuMs: number; maxRss: number } | undefined> | undefined;
  return {
    child,
    pid: started.pid,
    mqttUrl: started.mqttUrl,
    statuses,
    latest: () => statuses[statuses.length - 1],
    onTicket(fn) {
      ticketFns.add(fn);
      return () => ticketFns.delete(fn);
    },
    jitterStart: () => child.send({ type: 'jitter-start' }),
    async jitterReport() {
      child.send({ type: 'jitter-report' });
      return nextMessage(child, isType<{ type: 'jitter'; deviations: Record<string, number[]>; polls: number }>('jitter'), 30_000, 'the jitter report');
    },
    stop() {
      stopped ??= (async () => {
        let final: { cpuMs: number; maxRss: number } | undefined;
        if (child.connected) {
          child.send({ type: 'stop' });
          final = await nextMessage(child, isType<{ type: 'stopped'; cpuMs: number; maxRss: number }>('stopped'), 30_000, 'the gateway to stop').catch(() => undefined);
        }
        await stopChild(child, 10_000);
        rmSync(dataDir, { recursive: true, force: true });
        return final;
      })();
      return stopped;
    },
  };
}

export interface ModbusSimHandle {
  /** the registry with the simulators' ports and pty paths */
  registry: Registry;
  stop(): Promise<void>;
}

export async function startModbusSimProc(registry: Registry): Promise<ModbusSimHandle> {
  const dir = tmp('sim');
  const registryFile = join(dir, 'in.json');
  const outFile = join(dir, 'out.json');
  writeFileSync(registryFile, JSON.stringify(registry));
  const child = spawnTs('./modbusSimProc.ts');
  child.send({ type: 'start', registryFile, outFile });
  await nextMessage(child, isType<{ type: 'started' }>('started'), 60_000, 'the Modbus simulators to start');
  const simRegistry = JSON.parse(readFileSync(outFile, 'utf8')) as Registry;
  return {
    registry: simRegistry,
    async stop() {
      if (child.connected) {
        child.send({ type: 'stop' });
        await nextMessage(child, isType<{ type: 'stopped' }>('stopped'), 15_000, 'the simulators to stop').catch(() => undefined);
      }
      await stopChild(child, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A pool of publisher child processes, reused across steps. */
export interface Publishers {
  readonly size: number;
  /** CPU (user + system, ms) of every publisher process so far: the load generator shares the machine's cores */
  cpuMs(): number;
  /** connects each publisher with its plan, starts them together, resolves when every PUBACK is in */
  run(plans: PublisherPlan[]): Promise<PublisherResult[]>;
  /** ends a running `run` early (its results then count what was sent) */
  halt(): void;
  stop(): Promise<void>;
}

export function startPublishers(n: number): Publishers {
  const kids = Array.from({ length: n }, () => spawnTs('./publisherProc.ts'));
  // one listener per child for its whole life; each run installs what it waits for
  const waiting = new Map<ChildProcess, { type: string; resolve: (m: unknown) => void; reject: (e: Error) => void }>();
  for (const c of kids) {
    c.on('message', (m: { type?: string; error?: string }) => {
      const w = waiting.get(c);
      if (!w) return;
      if (m.type === 'failed') {
        waiting.delete(c);
        w.reject(new Error(`publisher: ${m.error}`));
      } else if (m.type === w.type) {
        waiting.delete(c);
        w.resolve(m);
      }
    });
    c.once('exit', (code) => {
      waiting.get(c)?.reject(new Error(`publisher exited (${code})`));
      waiting.delete(c);
    });
  }
  const expect = <T>(c: ChildProcess, type: string) => new Promise<T>((resolve, reject) => waiting.set(c, { type, resolve: (m) => resolve(m as T), reject }));
  return {
    size: n,
    cpuMs: () => kids.reduce((a, c) => a + (c.pid ? (procCpuMs(c.pid, readText) ?? 0) : 0), 0),
    async run(plans) {
      if (plans.length > kids.length) throw new Error(`${plans.length} plans for ${kids.length} publishers`);
      const used = kids.slice(0, plans.length);
      await Promise.all(
        used.map((c, i) => {
          const ready = expect(c, 'ready');
          c.send({ type: 'plan', plan: plans[i] });
          return ready;
        }),
      );
      const done = used.map((c) => expect<{ result: PublisherResult }>(c, 'done'));
      for (const c of used) c.send({ type: 'go' });
      return (await Promise.all(done)).map((d) => d.result);
    },
    halt() {
      for (const c of kids) if (c.connected) c.send({ type: 'halt' });
    },
    async stop() {
      for (const c of kids) if (c.connected) c.send({ type: 'stop' });
      await Promise.all(kids.map((c) => stopChild(c, 3000)));
    },
  };
}

/** The aedes broker in its own process (see brokerProc.ts). */
export async function startBrokerProc(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawnTs('./brokerProc.ts');
  child.send({ type: 'start' });
  const { url } = await nextMessage(child, isType<{ type: 'started'; url: string }>('started'), 30_000, 'the broker to start');
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.connected) {
        child.send({ type: 'stop' });
        await nextMessage(child, isType<{ type: 'stopped' }>('stopped'), 10_000, 'the broker to stop').catch(() => undefined);
      }
      await stopChild(child, 5000);
    },
  };
}
