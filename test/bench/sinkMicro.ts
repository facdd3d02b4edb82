/**
 * Micro benchmark of the sink's append path (not a test): µs of CPU per reading to get a batch of
 * readings into the spool, before (the previous version: each reading → an `influx` IPoint → its own
 * JSON record, one write(2) per point) and after (a batch → line protocol with cached series keys →
 * one record, one write(2) per batch). The database is never reached (a writer that never answers),
 * so only the append is measured. Then "delivered": the same appends and the writer posting every
 * point to a local HTTP server (a child process that accepts /write with 204, so its CPU is not ours)
 * until pointsWritten reaches the total: append + spool + request bodies, the sink's whole CPU.
 * Run: npx tsx test/bench/sinkMicro.ts [readings]
 * Measured (200k readings, median of 3, 2-core machine): delivered, batch 4: 8.05 µs → 4.84 µs of CPU
 * per reading; batch 500: 3.57 → 1.53, once the writers posted the spooled record bytes instead of
 * splitting records into lines and joining them again.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createInfluxSink, type PointWriter } from '../../processor/sinks/influx/index.js';
import { indexSites, type SiteIndex } from '../../processor/sinks/lineProtocol/index.js';
import { createSpoolQueue, jsonCodec } from '../../processor/sinks/spool/index.js';

const N = Number(process.argv[2] ?? 200_000);
const registry = loadRegistry();
const log = createLogger('sink-micro', 'silent');
const hang: PointWriter = { where: 'nowhere', classify: () => 'retry', write: () => new Promise<void>(() => undefined) };
const series = registry.sites.flatMap((s) => s.devices.map((d) => ({ site: s.id, device: d.id })));
const readings: Reading[] = Array.from({ length: N }, (_, i) => {
  const s = series[i % series.length]!;
  return { site: s.site, device: s.device, pollutant: `a${String(21000 + (i % 7)).padStart(5, '0')}`, value: Math.round(Math.random() * 1e5) / 100, unit: 'mg/m3', ts: 1_780_000_000_000 + i, flag: 'N', source: 'mqtt' };
});

/** the previous version's processor/sinks/influx/points.ts toPoint, verbatim in behaviour */
function oldToPoint(r: Reading, sites: SiteIndex) {
  const site = sites.get(r.site);
  if (!site) throw new Error('unknown site');
  if (!Number.isFinite(r.value) || !Number.isSafeInteger(r.ts) || r.ts < 0) throw new Error('bad reading');
  const tags: Record<string, string> = { site: r.site, kind: site.kind, pollutant: r.pollutant, device: r.device };
  if (site.enterprise) tags.enterprise = site.enterprise;
  return { measurement: site.kind, tags, fields: { value: r.value, flag: r.flag }, timestamp: String(r.ts) };
}

async function measure(name: string, run: (dir: string) => Promise<() => unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sink-micro-'));
  try {
    const stop = await run(dir); // warm-up inside run() is not counted: run returns the timed part
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await stop();
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    console.log(`${name.padEnd(44)} ${(wallUs / N).toFixed(2).padStart(6)} µs/reading wall  ${((cpu.user + cpu.system) / N).toFixed(2).padStart(6)} µs/reading CPU`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function before(batch: number) {
  return async (dir: string) => {
    const sites = indexSites(registry);
    const q = createSpoolQueue<unknown>({ dir, codec: jsonCodec, maxBytes: 4096 * 1024 * 1024, tailPoints: 10_000 })({ write: () => new Promise<void>(() => undefined), classify: () => 'retry', backoff: { initialMs: 1000, maxMs: 1000 } });
    q.start();
    for (let i = 0; i < 2000; i++) q.push([oldToPoint(readings[i]!, sites)]);
    return () => {
      for (let i = 0; i < N; i += batch) for (let k = i; k < Math.min(N, i + batch); k++) q.push([oldToPoint(readings[k]!, sites)]);
      q.close();
    };
  };
}

function after(batch: number) {
  return async (dir: string) => {
    const sink = createInfluxSink({ url: 'http://127.0.0.1:9', database: 'x', registry, log, writer: hang, spool: { dir, maxBytes: 4096 * 1024 * 1024, tailPoints: 10_000 } });
    sink.start();
    sink.append(readings.slice(0, 2000));
    const batches: Reading[][] = [];
    for (let i = 0; i < N; i += batch) batches.push(readings.slice(i, i + batch));
    return () => {
      for (const b of batches) sink.append(b);
      void sink.stop();
    };
  };
}

/** a /write endpoint in a child process: reads each body, answers 204 */
async function startServer(): Promise<{ url: string; close(): void }> {
  const code = `const s=require('node:http').createServer((q,r)=>{q.on('data',()=>{});q.on('end',()=>{r.statusCode=204;r.end();});});s.listen(0,'127.0.0.1',()=>process.stdout.write(String(s.address().port)+'\\n'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [port] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${port.toString().trim()}`, close: () => child.kill() };
}

function delivered(batch: number, url: string) {
  return async (dir: string) => {
    const sink = createInfluxSink({ url, database: 'bench', registry, log, flushMs: 5, spool: { dir, maxBytes: 4096 * 1024 * 1024 } });
    sink.start();
    sink.append(readings.slice(0, 2000));
    while (sink.counters.pointsWritten < 2000) await new Promise((r) => setTimeout(r, 5));
    const batches: Reading[][] = [];
    for (let i = 0; i < N; i += batch) batches.push(readings.slice(i, i + batch));
    return async () => {
      // appends in event-loop turns of about 2000 readings, as the group commit does, so the writer runs between them
      let i = 0;
      while (i < batches.length) {
        for (let n = 0; n < 2000 && i < batches.length; i++) {
          sink.append(batches[i]!);
          n += batches[i]!.length;
        }
        await new Promise((r) => setImmediate(r));
      }
      while (sink.counters.pointsWritten < N + 2000) await new Promise((r) => setTimeout(r, 1));
      await sink.stop();
    };
  };
}

console.log(`${N} readings, ${series.length} devices; spool group commit (fsync every 200 ms)`);
const server = await startServer();
for (const b of [4, 500]) {
  await measure(`before: toPoint + JSON record per point, batch ${b}`, before(b));
  await measure(`after: append(batch of ${b}) line protocol`, after(b));
  await measure(`delivered: append(batch of ${b}) + HTTP /write`, delivered(b, server.url));
}
server.close();
process.exit(0);
