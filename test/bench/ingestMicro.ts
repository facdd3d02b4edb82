/**
 * Micro-benchmark of the ingest front (not a test; figures are printed, never asserted):
 *
 *   npx tsx test/bench/ingestMicro.ts [--messages 200000] [--broker-messages 100000]
 *
 * A. main-thread CPU µs per reading for MQTT decode + validate + dedupe, 4-channel messages, in process:
 *    - "batch": the current path (one batch per message, hand-written payload check, plain loops);
 *    - "per reading + zod": the previous shape reconstructed from the same parts (zod parse of every
 *      message, each reading its own emission through a validate and a dedupe filter).
 * B. messages/s through the embedded broker with PUBACK: a raw QoS 1 publisher (window of in-flight
 *    messages) → aedes → gateway → PUBACK, all on this machine:
 *    - "worker + hand-off": aedes in its worker thread, PUBACK after the processor's append;
 *    - "same thread + client": aedes in the gateway's thread and the MQTT input as its client (before).
 *    With `--stored`, the processor's dedupe is the durable record of stored timestamps (processor/stored,
 *    SQLite in a temp dir) instead of the in-memory one: run with and without it to see its cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { filter, Subject } from 'rxjs';
import { pino } from 'pino';
import { anonymousAccess, createBroker, startEmbeddedBroker } from '../../gateway/broker/index.js';
import { createDeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createDeviceHealth } from '../../gateway/health/index.js';
import { MqttPayloadSchema } from '../../gateway/inputs/mqtt/config.js';
import { buildIndex, decodeMessage } from '../../gateway/inputs/mqtt/decode.js';
import { createMqttInput } from '../../gateway/inputs/mqtt/index.js';
import type { InputContext } from '../../gateway/inputs/types.js';
import type { Reading, ReadingBatch } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createProcessor } from '../../processor/index.js';
import { createSqliteStoredTimestamps } from '../../processor/stored/index.js';
import { createDedupe } from '../../processor/operators/dedupe.js';
import { batchValidator } from '../../processor/operators/validate.js';
import { connectRaw, publishSize, writePublish } from './mqttRaw.js';

const { values: args } = parseArgs({ options: { messages: { type: 'string', default: '200000' }, 'broker-messages': { type: 'string', default: '100000' }, stored: { type: 'boolean', default: false } } });
const N = Number(args.messages);
const BN = Number(args['broker-messages']);
const registry = loadRegistry();
const log = pino({ level: 'silent' });
const cfg = registry.inputs.mqtt;
const topic = `${cfg.topicPrefix}/AQ-03/AQ-03-V/data`;
const t0 = Date.now() - 3_600_000;
const payload = (i: number) => Buffer.from(JSON.stringify({ ts: t0 + i, values: { a24088: 1 + (i % 7), a21028: 0.01, a21001: 0.2, a99001: 14 } }));
const messages = Array.from({ length: N }, (_, i) => payload(i));

function cpu<T>(what: string, readings: () => number, run: () => T): number {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  run();
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / readings();
  console.log(`${what.padEnd(34)} ${us.toFixed(2).padStart(7)} µs CPU per reading   (${readings()} readings, ${(performance.now() - w0).toFixed(0)} ms)`);
  return us;
}

function partA() {
  const index = buildIndex(registry);
  const validate = batchValidator(registry);
  console.log(`\nA. decode + validate + dedupe, ${N} messages × 4 channels, main thread`);
  // warm up both paths
  for (let i = 0; i < 2000; i++) decodeMessage(topic, messages[i]!, index, cfg);

  let n = 0;
  const batches$ = new Subject<ReadingBatch>();
  const p = createProcessor({ registry, batches$, store: { append: () => undefined }, deadLetters: createDeadLetterStore(), log });
  p.accepted$.subscribe((b) => (n += b.length));
  const after = cpu('batch (current)', () => n, () => {
    for (const m of messages) batches$.next({ readings: decodeMessage(topic, m, index, cfg).readings, ack: () => undefined });
  });

  let k = 0;
  const dedupe = createDedupe(() => undefined);
  const perReading$ = new Subject<Reading>();
  perReading$
    .pipe(
      filter((r) => validate([r], Date.now(), () => undefined).length === 1),
      filter((r) => dedupe.accept([r]).length === 1),
    )
    .subscribe(() => k++);
  const before = cpu('per reading + zod (previous shape)', () => k, () => {
    for (const m of messages) {
      MqttPayloadSchema.safeParse(JSON.parse(m.toString('utf8'))); // zod on every message
      for (const r of decodeMessage(topic, m, index, cfg).readings) perReading$.next(r);
    }
  });

  let z = 0;
  const docs = messages.slice(0, 50_000).map((m) => JSON.parse(m.toString('utf8')) as unknown);
  const zod = cpu('  of which zod parse alone', () => z * 4, () => docs.forEach((d) => MqttPayloadSchema.safeParse(d).success && z++));
  console.log(`→ ${(before / after).toFixed(1)}× less CPU per reading (zod alone was ${zod.toFixed(2)} µs/reading)`);
}

/** Publishes BN QoS 1 messages keeping `window` in flight; resolves with messages/s until the last PUBACK. */
async function publish(url: string, window = 2000): Promise<number> {
  const c = await connectRaw(url, `bench-${process.pid}-${Date.now()}`, { clean: true });
  const t = Buffer.from(topic);
  const start = performance.now();
  let sent = 0;
  while (sent < BN) {
    const burst = Math.min(500, BN - sent);
    const bufs = Array.from({ length: burst }, (_, i) => payload(N + sent + i));
    const out = Buffer.alloc(bufs.reduce((s, b) => s + publishSize(t, b.length, 1), 0));
    let off = 0;
    bufs.forEach((b, i) => (off = writePublish(out, off, t, b, 1, ((sent + i) % 65535) + 1)));
    c.socket.write(out);
    sent += burst;
    if (sent - window > 0) await c.ackedAtLeast(sent - window, 60_000);
  }
  await c.ackedAtLeast(BN, 120_000);
  const rate = BN / ((performance.now() - start) / 1000);
  await c.disconnect();
  return rate;
}

function gateway(ctx: InputContext) {
  let stored = 0;
  const batches$ = createMqttInput({ clientIdSuffix: String(process.pid) })(ctx);
  const dir = args.stored ? mkdtempSync(join(tmpdir(), 'ingest-stored-')) : undefined;
  const record = dir ? createSqliteStoredTimestamps(join(dir, 'stored.db')) : undefined;
  const p = createProcessor({ registry, batches$, store: { append: (rs) => void (stored += rs.length) }, deadLetters: createDeadLetterStore(), log, ...(record ? { stored: record } : {}) });
  const sub = p.accepted$.subscribe();
  return {
    stored: () => stored,
    stop: () => {
      if (Object.keys(p.counters.rejected).length > 0) console.log('  refused:', JSON.stringify(p.counters.rejected));
      sub.unsubscribe();
      record?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function partB() {
  console.log(`\nB. ${BN} QoS 1 messages through the embedded broker, PUBACK awaited (window 2000), dedupe ${args.stored ? 'durable (SQLite)' : 'in memory'}`);
  const ctx = (mqttUrl: string): InputContext => ({ registry, log, deadLetters: createDeadLetterStore(), health: createDeviceHealth(), mqttUrl });

  const w = await startEmbeddedBroker({ topicPrefix: cfg.topicPrefix, access: anonymousAccess(), limits: { publishRate: { perSec: 1e9, burst: 1e9 } } });
  const g1 = gateway({ ...ctx(w.url), mqttFeed: w.feed });
  const elu0 = performance.eventLoopUtilization();
  const r1 = await publish(w.url);
  const elu1 = performance.eventLoopUtilization(elu0);
  console.log(`worker + hand-off (current)         ${r1.toFixed(0).padStart(7)} messages/s   main event loop busy ${(elu1.utilization * 100).toFixed(0)} % (publisher shares it)   stored ${g1.stored()}`);
  g1.stop();
  await w.close();

  const b = await createBroker({ port: 0 });
  const g2 = gateway(ctx(b.url));
  await new Promise<void>((resolve) => b.broker.on('subscribe', () => resolve()));
  const elu2 = performance.eventLoopUtilization();
  const r2 = await publish(b.url);
  const elu3 = performance.eventLoopUtilization(elu2);
  console.log(`same thread + MQTT client (before)  ${r2.toFixed(0).padStart(7)} messages/s   main event loop busy ${(elu3.utilization * 100).toFixed(0)} %   stored ${g2.stored()}`);
  g2.stop();
  await b.close();
}

partA();
await partB();
process.exit(0);
