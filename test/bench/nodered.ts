import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Registry } from '../../gateway/registry/schema.js';
import type { BenchContext, Budget } from './context.js';
import { alertLatency, type LatencyResult } from './alerts.js';
import { closeSession, countPoints, openSession, PUBLISH_WINDOW, searchLimit, searchRate, type StepResult } from './ingest.js';
import { airDevices, offerReason, planPublishers, topicOf, type PublisherResult } from './load.js';
import { connectRaw, dropSession, publishOne } from './mqttRaw.js';
import { startNodeRed, type NodeRedHandle } from './noderedProc.js';
import { sleep } from './procs.js';
import { startBrokerProc } from './system.js';

/**
 * Workload 5: the same MQTT → threshold → InfluxDB flow in Node-RED (test/bench/nodered/flow.json)
 * beside the gateway, each fed the same messages through the same broker — the project's aedes broker
 * in a process of its own, which queues for a slow subscriber where Mosquitto's defaults drop — and
 * writing to the same influxd (own databases). Throughput is searched the same way for both (nothing
 * lost, caught up within 3 s); latency is from the publish of an H2S exceedance to the alert request
 * (Node-RED: its http request node; gateway: the WeCom robot request) at the same background load.
 */
export interface NodeRedStep {
  target: number;
  durationMs: number;
  offered: number;
  published: number;
  counted: number;
  catchUpMs: number;
  cores: number;
  sustained: boolean;
  reasons: string[];
}

export interface NodeRedResult {
  /** the broker both subscribed to */
  broker: string;
  /** the gateway on the same broker, same search */
  gateway: { steps: StepResult[]; best?: StepResult; latency?: LatencyResult };
  steps: NodeRedStep[];
  best?: NodeRedStep;
  peakRss: number;
  latency?: { background: number; latencies: number[]; missed: number };
}

const wallNow = () => performance.timeOrigin + performance.now();
const CATCH_UP_MS = 3000;
const SLOT_MS = 30 * 60_000;

interface Ctx {
  ctx: BenchContext;
  url: string;
  nr: NodeRedHandle;
  prefix: string;
  database: string;
  registry: Registry;
  tsBase: number;
  slot: number;
}

async function step(c: Ctx, target: number, durationMs: number): Promise<NodeRedStep> {
  const { ctx } = c;
  const tsBase = c.tsBase + c.slot++ * SLOT_MS;
  const plans = planPublishers(
    { url: c.url, prefix: c.prefix, devices: airDevices(c.registry), shape: 'full', durationMs, tsBase, of: ctx.publishers.size, qos: 1, window: PUBLISH_WINDOW },
    target,
    `${ctx.runTag}-nr-${c.slot}`,
  );
  const cpu0 = c.nr.cpuMs();
  const t0 = Date.now();
  const results: PublisherResult[] = await ctx.publishers.run(plans);
  const pubStart = Math.min(...results.map((r) => r.startedAt));
  const pubEnd = Math.max(...results.map((r) => r.endedAt));
  const tsEnd = Math.max(...results.map((r) => r.tsEnd));
  const published = results.reduce((a, r) => a + r.readings, 0);
  let counted = 0;
  let caughtAt = Infinity;
  const deadline = Date.now() + 30_000;
  let stable = 0;
  for (let prev = -1; Date.now() < deadline; prev = counted) {
    counted = await countPoints(ctx, c.database, 'air_fence', tsBase, tsEnd);
    if (counted >= published) {
      caughtAt = Date.now();
      break;
    }
    // nothing more arrives for 5 s: the rest is lost
    stable = counted === prev ? stable + 1 : 0;
    if (stable >= 20) break;
    await sleep(250);
  }
  const cores = (c.nr.cpuMs() - cpu0) / Math.max(1, Math.min(caughtAt, Date.now()) - t0);
  const offered = (published * 1000) / Math.max(1, pubEnd - pubStart);
  const catchUpMs = Math.max(0, caughtAt - pubEnd);
  const reasons: string[] = [];
  if (offered < target * 0.97) reasons.push(offerReason(results, offered));
  if (counted < published) reasons.push(`${published - counted} readings missing in InfluxDB`);
  else if (catchUpMs > CATCH_UP_MS) reasons.push(`${(catchUpMs / 1000).toFixed(1)} s behind at the end`);
  return { target, durationMs, offered, published, counted, catchUpMs, cores, sustained: reasons.length === 0, reasons };
}

const describe = (s: NodeRedStep) =>
  `node-red ${Math.round(s.target).toLocaleString('en-US')}/s for ${s.durationMs / 1000}s: offered ${Math.round(s.offered).toLocaleString('en-US')}/s, counted ${s.counted.toLocaleString('en-US')}/${s.published.toLocaleString('en-US')}, ` +
  `catch-up ${Number.isFinite(s.catchUpMs) ? s.catchUpMs : '∞'} ms, ${s.cores.toFixed(2)} cores → ${s.sustained ? 'sustained' : 'NOT sustained: ' + s.reasons.join('; ')}`;

/** A local stand-in for the alert receiver: records when each alert (by its value) arrives. */
function alertStandIn(): Promise<{ server: Server; url: string; wait(value: number, timeoutMs: number): Promise<number | undefined> }> {
  const waiting = new Map<number, (at: number) => void>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      const at = wallNow();
      try {
        const v = (JSON.parse(body) as { value?: number }).value;
        if (typeof v === 'number') waiting.get(Math.round(v * 1e5))?.(at);
      } catch {
        /* not an alert */
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        server,
        url: `http://127.0.0.1:${port}/alert`,
        wait: (value, timeoutMs) =>
          new Promise((res) => {
            const key = Math.round(value * 1e5);
            const timer = setTimeout(() => (waiting.delete(key), res(undefined)), timeoutMs);
            waiting.set(key, (at) => (clearTimeout(timer), waiting.delete(key), res(at)));
          }),
      });
    }),
  );
}

/**
 * Both searches double from the start until the rate no longer holds (up to b.rampCap), then bisect:
 * the figure is the ratio of the two limits found in this run. `gatewayStart`: where the gateway's
 * search starts (workload 1's result on the same shape saves steps).
 */
export async function workload5(ctx: BenchContext, b: Budget, registry: Registry, gatewayStart = b.rampStart): Promise<NodeRedResult> {
  // the deployment broker when its configuration is shipped (it then queues for a slow subscriber); else aedes in a process of its own
  const shared = ctx.mosquitto?.shipped ? ctx.mosquitto : undefined;
  const broker = shared ? { url: shared.url, pid: shared.pid, stop: async () => {} } : await startBrokerProc();
  const brokerName = shared ? 'mosquitto (shipped configuration)' : 'aedes in its own process';
  ctx.log(`workload 5 (Node-RED side by side: ${brokerName}, full channel set per message)`);
  const gateway: NodeRedResult['gateway'] = { steps: [] };
  const steps: NodeRedStep[] = [];
  let latency: NodeRedResult['latency'];
  let peakRss = NaN;
  try {
    const s = await openSession(ctx, registry, 'external', 'full', 'w5_gateway', { brokerUrl: broker.url, brokerPid: broker.pid });
    try {
      const best = await searchRate(ctx, s, gatewayStart, b.noderedStepMs, b.noderedMaxSteps, gateway.steps, { cap: b.rampCap, deadline: Date.now() + b.searchMs });
      gateway.best = gateway.steps.filter((x) => x.sustained && x.target === best)[0];
    } finally {
      await closeSession(ctx, s);
    }

    const prefix = `bench/${ctx.runTag}-nr/park/v1`;
    const clientId = `bench-nodered-${ctx.runTag}`;
    const database = 'w5_nodered';
    const standIn = await alertStandIn();
    const nr = await startNodeRed({ mqttUrl: broker.url, topicPrefix: prefix, clientId, influxUrl: ctx.influx.url, database, alertUrl: standIn.url });
    const c: Ctx = { ctx, url: broker.url, nr, prefix, database, registry, tsBase: Date.now() - 6 * 3_600_000, slot: 0 };
    let background = 0;
    try {
      await ctx.influx.query(`CREATE DATABASE "${database}"`);
      await searchLimit(
        ctx,
        async (rate) => {
          const st = await step(c, rate, b.noderedStepMs);
          steps.push(st);
          ctx.log(`  ${describe(st)}`);
          return st;
        },
        b.rampStart,
        b.noderedStepMs,
        b.noderedMaxSteps,
        { cap: b.rampCap, deadline: Date.now() + b.searchMs },
      );
      // latency for both at the same background: 10k readings/s as in workload 3 where both carry it
      const nrBest = Math.max(0, ...steps.filter((x) => x.sustained).map((x) => x.target));
      background = Math.min(10_000, Math.round((Math.min(nrBest, gateway.best?.target ?? 0) * 0.8) / 500) * 500);
      latency = await noderedLatency(c, standIn, b.noderedLatencyEvents, background);
      peakRss = nr.peakRss();
    } finally {
      await nr.stop();
      standIn.server.close();
      await dropSession(broker.url, clientId).catch(() => undefined);
    }
    gateway.latency = await alertLatency(ctx, registry, b.noderedLatencyEvents, background, 'w5_alerts', broker.url);
    const g = [...gateway.latency.latencies].sort((x, y) => x - y);
    ctx.log(`  gateway latency at ${background}/s background: ${g.length}/${b.noderedLatencyEvents} alerts, p50 ${g[Math.ceil(g.length / 2) - 1]?.toFixed(1)} ms, max ${g[g.length - 1]?.toFixed(1)} ms`);
  } finally {
    await broker.stop();
  }
  const best = steps.filter((x) => x.sustained).sort((x, y) => y.offered - x.offered)[0];
  return { broker: brokerName, gateway, steps, best, peakRss, latency };
}

async function noderedLatency(c: Ctx, standIn: Awaited<ReturnType<typeof alertStandIn>>, events: number, background: number): Promise<NodeRedResult['latency']> {
  const { ctx, prefix, registry } = c;
  const bg =
    background > 0
      ? ctx.publishers.run(
          planPublishers(
            { url: c.url, prefix, devices: airDevices(registry), shape: 'full', durationMs: 10 * 60_000, tsBase: c.tsBase + c.slot++ * SLOT_MS, of: ctx.publishers.size, qos: 1, window: PUBLISH_WINDOW },
            background,
            `${ctx.runTag}-nrlat`,
          ),
        )
      : undefined;
  try {
    await sleep(3000);
    const client = await connectRaw(c.url, `bench-nr-alerts-${ctx.runTag}`);
    const stations = airDevices(registry);
    const latencies: number[] = [];
    let missed = 0;
    for (let i = 0; i < events; i++) {
      const st = stations[i % stations.length]!;
      const value = Math.round((0.07 + i * 1e-4) * 1e5) / 1e5;
      const seen = standIn.wait(value, 5000);
      const sentAt = publishOne(client, topicOf(prefix, st), `{"ts":${Date.now()},"values":{"a21028":${value}}}`, 2 * i);
      const at = await seen;
      if (at === undefined) missed++;
      else latencies.push(at - sentAt);
      publishOne(client, topicOf(prefix, st), `{"ts":${Date.now() + 1},"values":{"a21028":0.01}}`, 2 * i + 1);
      await sleep(25);
    }
    await client.disconnect();
    const sorted = [...latencies].sort((x, y) => x - y);
    ctx.log(`  node-red latency at ${background}/s background: ${latencies.length}/${events} alerts, p50 ${sorted[Math.ceil(sorted.length / 2) - 1]?.toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms`);
    return { background, latencies, missed };
  } finally {
    if (bg) {
      ctx.publishers.halt();
      await bg.catch(() => undefined);
    }
  }
}
