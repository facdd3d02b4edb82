import type { Registry } from '../../gateway/registry/schema.js';
import type { BenchContext } from './context.js';
import { airDevices, offerReason, planPublishers, type Shape } from './load.js';
import { connectRaw, dropSession, publishOne } from './mqttRaw.js';
import { sleep } from './procs.js';
import { rates } from './stats.js';
import { influxCpuMs, startGatewayProc, type GatewayHandle } from './system.js';

/**
 * Workload 1: MQTT → gateway (every rule on) → processor → InfluxDB at a fixed offered rate for a
 * fixed time, with the count checked in InfluxDB. A step is *sustained* when the publishers offered
 * the rate, every published reading is in InfluxDB, nothing was dropped, and the writer caught up
 * within CATCH_UP_MS of the last message (the backlog did not grow).
 */
/**
 * aedes: the embedded broker, started by the gateway process as `npm start` does (in a worker thread or
 * child process where the gateway puts it there); mosquitto: the deployment broker (mosquitto.ts);
 * external: aedes in a process of its own (workload 5)
 */
export type BrokerKind = 'aedes' | 'mosquitto' | 'external';
const CATCH_UP_MS = 3000;
/** each step writes its points into its own time slot, so counts never mix */
const SLOT_MS = 30 * 60_000;
/** unacknowledged QoS 1 messages each publisher keeps in flight (packet ids are 16-bit: below 65,535) */
export const PUBLISH_WINDOW = 10_000;
const STALL_MS = 4000;

export interface StepResult {
  broker: BrokerKind;
  shape: Shape;
  target: number;
  durationMs: number;
  offered: number;
  published: number;
  /** readings the gateway received during the step (its MQTT input and the park's Modbus polls) */
  received: number;
  counted: number;
  lost: number;
  dropped: number;
  catchUpMs: number;
  /** the gateway process, every thread (the embedded broker's worker thread included, its child process not) */
  gatewayCores: number;
  /** the gateway's main thread alone */
  mainCores: number;
  /** the broker: Mosquitto's process, or the embedded broker's child process; undefined where not measurable */
  brokerCores?: number;
  /** the embedded broker's worker thread: its highest event loop utilisation during the step */
  brokerEluMax?: number;
  /** the publisher processes (load generator) */
  loadCores: number;
  influxCores: number;
  /** highest RSS the gateway process showed during the step */
  rss: number;
  eluMax: number;
  lagP99Max: number;
  sustained: boolean;
  reasons: string[];
  /** seconds from the start of publishing → readings/s received and written */
  series: { s: number; received: number; written: number }[];
  /** the step on the gateway's monotonic clock (µs), to cut its CPU profile to the step */
  hrWindow: [number, number];
}

export interface GatewaySession {
  broker: BrokerKind;
  shape: Shape;
  gw: GatewayHandle;
  registry: Registry;
  database: string;
  tsBase: number;
  slot: number;
  /** pid of a broker process of this session only (workload 5's aedes process), for its CPU */
  brokerPid?: number;
}

export interface SessionOptions {
  nodeArgs?: string[];
  wecomKey?: string;
  /** the broker of an 'external' session, and its pid */
  brokerUrl?: string;
  brokerPid?: number;
}

export async function openSession(ctx: BenchContext, registry: Registry, broker: BrokerKind, shape: Shape, label: string, o: SessionOptions = {}): Promise<GatewaySession> {
  const tag = `${ctx.runTag}-${label}`;
  const r = structuredClone(registry);
  r.inputs.mqtt.topicPrefix = `bench/${tag}/park/v1`;
  r.inputs.mqtt.clientId = `park-gateway-bench-${tag}`;
  const database = `w1_${label}`.replace(/[^a-z0-9_]/gi, '_');
  const gw = await startGatewayProc({
    registry: r,
    embeddedBroker: broker === 'aedes',
    mqttUrl: broker === 'mosquitto' ? ctx.mosquitto?.url : o.brokerUrl,
    influx: { url: ctx.influx.url, database },
    nodeArgs: o.nodeArgs,
    statusMs: 250,
    wecomKey: o.wecomKey,
  });
  const session: GatewaySession = { broker, shape, gw, registry: r, database, tsBase: Date.now() - 6 * 3_600_000, slot: 0, brokerPid: o.brokerPid };
  try {
    await waitSubscribed(session);
  } catch (err) {
    await closeSession(ctx, session);
    throw err;
  }
  return session;
}

/** Resolves once the gateway's MQTT input is subscribed: a probe under its prefix but outside the topic scheme becomes a dead letter. */
async function waitSubscribed(s: GatewaySession): Promise<void> {
  const prefix = s.registry.inputs.mqtt.topicPrefix;
  if (!(await until(() => s.gw.latest() !== undefined, 15_000))) throw new Error('no status from the gateway');
  const before = s.gw.latest()!.deadLetters;
  const c = await connectRaw(s.gw.mqttUrl, `${s.registry.inputs.mqtt.clientId}-probe`);
  try {
    for (let i = 0; i < 200; i++) {
      publishOne(c, `${prefix}/probe`, '{}', i);
      if (await until(() => (s.gw.latest()?.deadLetters ?? 0) > before, 300, 25)) return;
    }
    throw new Error(`the gateway did not subscribe to ${prefix}/# within 60 s`);
  } finally {
    await c.disconnect();
  }
}

export async function closeSession(ctx: BenchContext, s: GatewaySession): Promise<{ cpuMs: number; maxRss: number } | undefined> {
  const final = await s.gw.stop();
  // the gateway's persistent session (CleanSession 0) would stay on the shared broker
  if (s.broker !== 'aedes') await dropSession(s.gw.mqttUrl, s.registry.inputs.mqtt.clientId).catch(() => undefined);
  return final;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

export async function countPoints(ctx: BenchContext, database: string, measurement: string, from: number, to: number): Promise<number> {
  const rows = await ctx.influx.query<{ count?: number }>(`SELECT count("value") FROM "${measurement}" WHERE time >= ${from}ms AND time < ${to}ms`, database);
  return rows.reduce((a, r) => a + (r.count ?? 0), 0);
}

/** One step: publish `target` readings/s for durationMs through the session's gateway and check every point arrived. */
export async function runStep(ctx: BenchContext, s: GatewaySession, target: number, durationMs: number): Promise<StepResult> {
  const { gw } = s;
  const tsBase = s.tsBase + s.slot++ * SLOT_MS;
  const of = ctx.publishers.size;
  const plans = planPublishers(
    { url: gw.mqttUrl, prefix: s.registry.inputs.mqtt.topicPrefix, devices: airDevices(s.registry), shape: s.shape, durationMs, tsBase, of, qos: 1, window: PUBLISH_WINDOW },
    target,
    `${ctx.runTag}-${s.database}-${s.slot}`,
  );
  await until(() => gw.latest() !== undefined, 10_000);
  const first = gw.latest()!;
  const cpuI0 = influxCpuMs(ctx.influx.pid);
  const brokerPid = s.broker === 'mosquitto' ? ctx.mosquitto?.pid : s.brokerPid;
  const cpuB0 = brokerPid ? influxCpuMs(brokerPid) : undefined;
  const cpuL0 = ctx.publishers.cpuMs();
  const t0 = Date.now();
  const results = await ctx.publishers.run(plans);
  const pubStart = Math.min(...results.map((r) => r.startedAt));
  const pubEnd = Math.max(...results.map((r) => r.endedAt));
  const published = results.reduce((a, r) => a + r.readings, 0);
  const offered = (published * 1000) / Math.max(1, pubEnd - pubStart);
  // writer caught up: every published reading written (the Modbus readings of the park only add to it)
  // give up once nothing more is written for STALL_MS (the rest is lost), or after 30 s
  let progress = { written: first.written, at: Date.now() };
  const caught = await until(
    () => {
      const l = gw.latest()!;
      if (l.written !== progress.written) progress = { written: l.written, at: Date.now() };
      return (l.written - first.written >= published && l.queued === 0) || Date.now() - progress.at > STALL_MS;
    },
    30_000,
    25,
  ).then((ok) => ok && gw.latest()!.written - first.written >= published);
  const caughtAt = Date.now();
  const catchUpMs = caught ? Math.max(0, (gw.latest()?.t ?? caughtAt) - pubEnd) : Infinity;
  const last = gw.latest()!;
  const cpuI1 = influxCpuMs(ctx.influx.pid);
  const cpuB1 = brokerPid ? influxCpuMs(brokerPid) : undefined;
  const cpuL1 = ctx.publishers.cpuMs();
  const tsEnd = Math.max(...results.map((r) => r.tsEnd));
  let counted = await countPoints(ctx, s.database, 'air_fence', tsBase, tsEnd);
  if (counted < published && caught) {
    await until(async () => (counted = await countPoints(ctx, s.database, 'air_fence', tsBase, tsEnd)) >= published, 5000, 500);
  }
  const during = gw.statuses.filter((x) => x.t >= t0 && x.t <= last.t);
  const wall = Math.max(1, last.t - first.t);
  // over the last second: the writer's 5,000-point batches would otherwise show as spikes
  const written = rates(during.map((x) => ({ t: x.t, v: x.written })), 1000);
  const series = rates(during.map((x) => ({ t: x.t, v: x.received })), 1000).map((r, i) => ({
    s: (r.t - pubStart) / 1000,
    received: r.rate,
    written: written[i]?.rate ?? 0,
  }));
  const reasons: string[] = [];
  if (offered < target * 0.97) reasons.push(offerReason(results, offered));
  if (counted < published) reasons.push(`${published - counted} readings missing in InfluxDB`);
  const dropped = last.dropped - first.dropped;
  if (dropped > 0) reasons.push(`${dropped} points dropped by the write queue`);
  if (catchUpMs > CATCH_UP_MS) reasons.push(caught ? `writer ${(catchUpMs / 1000).toFixed(1)} s behind at the end` : 'writer never caught up');
  return {
    broker: s.broker,
    shape: s.shape,
    target,
    durationMs,
    offered,
    published,
    received: last.received - first.received,
    counted,
    lost: Math.max(0, published - counted),
    dropped,
    catchUpMs,
    gatewayCores: (last.cpuMs - first.cpuMs) / wall,
    mainCores: (last.mainCpuMs - first.mainCpuMs) / wall,
    brokerCores:
      cpuB0 !== undefined && cpuB1 !== undefined
        ? (cpuB1 - cpuB0) / Math.max(1, caughtAt - t0)
        : last.brokerCpuMs !== undefined && first.brokerCpuMs !== undefined
          ? (last.brokerCpuMs - first.brokerCpuMs) / wall
          : undefined,
    brokerEluMax: during.some((x) => x.brokerElu !== undefined) ? Math.max(0, ...during.map((x) => x.brokerElu ?? 0)) : undefined,
    loadCores: (cpuL1 - cpuL0) / Math.max(1, caughtAt - t0),
    influxCores: (cpuI1 - cpuI0) / Math.max(1, caughtAt - t0),
    rss: Math.max(0, ...during.map((x) => x.rss)),
    eluMax: Math.max(0, ...during.map((x) => x.elu)),
    lagP99Max: Math.max(0, ...during.map((x) => x.lagP99)),
    sustained: reasons.length === 0,
    reasons,
    series,
    hrWindow: [first.hrUs, last.hrUs],
  };
}

export const describeStep = (r: StepResult) =>
  `${r.broker}/${r.shape} ${Math.round(r.target).toLocaleString('en-US')}/s for ${r.durationMs / 1000}s: offered ${Math.round(r.offered).toLocaleString('en-US')}/s, ` +
  `received ${r.received.toLocaleString('en-US')}, counted ${r.counted.toLocaleString('en-US')}/${r.published.toLocaleString('en-US')}, catch-up ${Number.isFinite(r.catchUpMs) ? r.catchUpMs : '∞'} ms, ` +
  `gateway ${r.gatewayCores.toFixed(2)} cores (main thread ${r.mainCores.toFixed(2)})${r.brokerCores !== undefined ? `, broker ${r.brokerCores.toFixed(2)}` : ''}${r.brokerEluMax !== undefined ? `, broker thread ELU ≤ ${r.brokerEluMax.toFixed(2)}` : ''}, load ${r.loadCores.toFixed(2)}, influxd ${r.influxCores.toFixed(2)} cores, rss ${(r.rss / 2 ** 20).toFixed(0)} MB → ${r.sustained ? 'sustained' : 'NOT sustained: ' + r.reasons.join('; ')}`;

export interface SearchOptions {
  /** 'up' doubles from the start while steps hold; 'down' stops at the first rate that holds */
  direction?: 'up' | 'down';
  /** highest rate tried (a rate that holds there ends the search) */
  cap?: number;
  /** epoch ms: no step starts after it (the run's time budget) */
  deadline?: number;
}

/**
 * Finds the highest sustained rate: doubles from `start` while steps hold (up to `cap`), halves while
 * they do not, then bisects between the last rate that held and the first that did not until they
 * are within 15 %, for at most maxSteps steps and not past the deadline. Returns the best rate held.
 */
export async function searchLimit(ctx: BenchContext, step: (rate: number) => Promise<{ sustained: boolean }>, start: number, stepMs: number, maxSteps: number, o: SearchOptions = {}): Promise<number | undefined> {
  let good: number | undefined;
  let bad: number | undefined;
  let rate = Math.min(start, o.cap ?? Infinity);
  for (let i = 0; i < maxSteps; i++) {
    if (o.deadline !== undefined && i > 0 && Date.now() + stepMs > o.deadline) {
      ctx.log(`  search stopped: out of time (the run's time budget)`);
      break;
    }
    if ((await step(rate)).sustained) good = rate;
    else bad = rate;
    if (good !== undefined && bad !== undefined && bad / good < 1.15) break;
    if (o.direction === 'down' && good !== undefined && bad === undefined) break;
    if (bad === undefined && o.cap !== undefined && rate >= o.cap) break;
    rate = bad === undefined ? Math.min(rate * 2, o.cap ?? Infinity) : good === undefined ? rate / 2 : (good + bad) / 2;
    rate = Math.round(rate / 500) * 500;
  }
  return good;
}

/** searchLimit with workload 1's steps through a gateway session; every step is logged and kept in `steps`. */
export function searchRate(ctx: BenchContext, s: GatewaySession, start: number, stepMs: number, maxSteps: number, steps: StepResult[], o: SearchOptions = {}): Promise<number | undefined> {
  return searchLimit(
    ctx,
    async (rate) => {
      const r = await runStep(ctx, s, rate, stepMs);
      steps.push(r);
      ctx.log(`  ${describeStep(r)}`);
      return r;
    },
    start,
    stepMs,
    maxSteps,
    o,
  );
}
