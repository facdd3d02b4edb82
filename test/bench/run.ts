import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { ensureInfluxd } from '../helpers/influxd.js';
import { alertLatency, type LatencyResult } from './alerts.js';
import { influxCeiling } from './ceiling.js';
import { compileBench } from './compile.js';
import { idleMemory } from './idle.js';
import { SHIPPED_CONF, startMosquitto, type MosquittoBroker } from './mosquitto.js';
import { budget, type BenchContext } from './context.js';
import { workload4 } from './modbus.js';
import { connectRaw } from './mqttRaw.js';
import { workload5 } from './nodered.js';
import { BENCH, ROOT, stopAll, useCompiled } from './procs.js';
import { benchPark, mqttPark } from './registries.js';
import { writeReport, targets, type BenchResults, type Machine } from './report.js';
import { summarize } from './stats.js';
import { startModbusSimProc, startPublishers, type ModbusSimHandle, type Publishers } from './system.js';
import { bestSustained, workload1 } from './workload1.js';

/**
 * `npm run bench [-- --quick] [--only w2,w1,idle,w3,w4,w5] [--publishers N] [--mosquitto-conf PATH | --mosquitto URL | --no-mosquitto] [--tsx] [--scale 0.1]`
 *
 * Runs the workloads in order (InfluxDB ceiling first: workload 1 is reported as a share of it),
 * prints every figure, and writes test/bench/REPORT.md with charts in test/bench/charts/. Raw results
 * and CPU profiles go to test/bench/out/ (not committed). Every process started here is stopped at
 * the end, on failure and on Ctrl-C.
 */
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
};
if (flag('help')) {
  console.log(
    [
      'npm run bench [-- options]   (see test/bench/README.md)',
      '  --quick                  smoke run (~3 min), figures indicative only',
      '  --only w2,w1,idle,w3,w4,w5',
      '  --publishers N           load generator processes (default 2)',
      `  --mosquitto-conf PATH    configuration of the private Mosquitto (default ${SHIPPED_CONF} if it exists, else Mosquitto's defaults)`,
      '  --mosquitto URL          use a running broker as the deployment broker instead (its CPU is not measured)',
      '  --no-mosquitto           embedded broker only',
      '  --tsx                    run the child processes from TypeScript with the tsx loader instead of compiled JavaScript',
      '  --scale 0.1              shorten every duration of the full run (a check of the harness)',
    ].join('\n'),
  );
  process.exit(0);
}
const quick = flag('quick');
const only = new Set((option('only') ?? 'w1,w2,idle,w3,w4,w5').split(','));

function machine(): Machine {
  let influxd = 'influxd (version unknown)';
  try {
    influxd = execFileSync(process.env.INFLUXD_BIN ?? 'influxd', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    /* reported as unknown */
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    /* os.cpus() */
  }
  return { nproc, memGiB: totalmem() / 2 ** 30, cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version, influxd, loadStart: loadavg().map((x) => x.toFixed(2)).join(' ') };
}

async function mosquittoReachable(url: string): Promise<boolean> {
  try {
    const c = await connectRaw(url, `bench-probe-${randomBytes(4).toString('hex')}`);
    await c.disconnect();
    return true;
  } catch {
    return false;
  }
}

/** The deployment broker: a private Mosquitto with the shipped configuration, or the broker at --mosquitto URL. */
async function deploymentBroker(errors: BenchResults['errors']): Promise<MosquittoBroker | undefined> {
  if (flag('no-mosquitto')) return undefined;
  const url = option('mosquitto');
  if (url) {
    if (await mosquittoReachable(url)) return { url, config: `the broker at ${url} (started outside the bench; its CPU is not measured)`, shipped: false, stop: async () => {} };
    errors.push({ workload: 'setup', message: `no broker reachable at ${url}: the deployment-broker runs are skipped` });
    return undefined;
  }
  const given = option('mosquitto-conf');
  const conf = given ?? (existsSync(join(ROOT, SHIPPED_CONF)) ? join(ROOT, SHIPPED_CONF) : undefined);
  if (!conf) errors.push({ workload: 'setup', message: `${SHIPPED_CONF} not found: Mosquitto runs with its defaults (which drop QoS 1 messages for a slow subscriber)` });
  try {
    return await startMosquitto(conf);
  } catch (err) {
    errors.push({ workload: 'setup', message: `Mosquitto did not start (${(err as Error).message}): the deployment-broker runs are skipped` });
    return undefined;
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const outDir = join(BENCH, 'out');
  rmSync(join(outDir, 'profiles'), { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const results: BenchResults = { startedAt: new Date().toISOString(), quick, machine: machine(), errors: [] };
  const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
  log(`bench${quick ? ' --quick' : ''}: ${results.machine.nproc} cores, ${results.machine.memGiB.toFixed(1)} GiB, node ${results.machine.node}, ${results.machine.influxd}, load ${results.machine.loadStart}`);
  const b = budget(quick, Number(option('scale') ?? 1));
  if (!flag('tsx')) {
    const dir = await compileBench(ROOT);
    useCompiled(dir);
    log(`child processes run compiled JavaScript (${dir.slice(ROOT.length)}, plain node)`);
  } else log('child processes run TypeScript with the tsx loader (--tsx)');

  // a private influxd: its CPU is measured from /proc, so a shared INFLUX_URL server is not used here
  delete process.env.INFLUX_URL;
  await ensureInfluxd();
  let influx: RunningInflux | undefined;
  let publishers: Publishers | undefined;
  let sims: ModbusSimHandle | undefined;
  let mosquitto: MosquittoBroker | undefined;
  const attempt = async <T>(workload: string, fn: () => Promise<T>): Promise<T | undefined> => {
    if (!only.has(workload)) return undefined;
    try {
      return await fn();
    } catch (err) {
      const message = (err as Error).stack ?? String(err);
      log(`${workload} failed: ${message}`);
      results.errors.push({ workload, message: (err as Error).message });
      return undefined;
    }
  };
  try {
    influx = await startInflux({ database: 'bench' });
    publishers = startPublishers(Number(option('publishers') ?? 2));
    mosquitto = only.has('w1') || only.has('w5') ? await deploymentBroker(results.errors) : undefined;
    if (mosquitto) log(`deployment broker: Mosquitto at ${mosquitto.url}, ${mosquitto.config}`);
    results.mosquittoConfig = mosquitto?.config;
    const ctx: BenchContext = { quick, influx, publishers, mosquitto, outDir, runTag: randomBytes(3).toString('hex'), log };
    const park = benchPark(`${ctx.runTag}-park`);

    results.ceiling = await attempt('w2', async () => {
      log('workload 2 (InfluxDB ceiling)');
      const c = await influxCeiling(ctx, park, b.ceilingMs);
      log(`  ${c.writers} writers × ${c.batch}: ${Math.round(c.pointsPerSec).toLocaleString('en-US')} points/s (${c.counted}/${c.points} counted), influxd ${c.influxCores.toFixed(2)} cores`);
      return c;
    });
    if (only.has('w1') || only.has('w3') || only.has('idle')) {
      sims = await startModbusSimProc(park);
      log("the park's 47 Modbus devices simulated");
    }
    results.w1 = await attempt('w1', () => workload1(ctx, b, sims!.registry));
    results.idle = await attempt('idle', async () => {
      log("idle memory (the park's devices at their own intervals, embedded broker)");
      const r = await idleMemory(ctx, sims!.registry, b.idleMs);
      log(`  ${r.devices} devices, ${r.durationMs / 1000} s: RSS ${(r.rss / 2 ** 20).toFixed(0)} MB at the end, ≤ ${(r.rssMax / 2 ** 20).toFixed(0)} MB after warm-up, gateway ${r.gatewayCores.toFixed(3)} cores`);
      return r;
    });
    const latencyLine = (r: LatencyResult) => {
      const w = summarize(r.latencies);
      const t = summarize(r.ticketLatencies);
      return `${r.latencies.length}/${r.events} alerts: p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, max ${w.max.toFixed(1)} ms (to the ticket: p50 ${t.p50.toFixed(1)}, p99 ${t.p99.toFixed(1)} ms), background ${Math.round(r.backgroundAchieved)}/s`;
    };
    results.w3idle = await attempt('w3', async () => {
      log('workload 3 baseline (alert latency, no background load)');
      const r = await alertLatency(ctx, sims!.registry, Math.max(20, Math.round(b.alertEvents / 4)), 0, 'alerts_idle');
      log(`  ${latencyLine(r)}`);
      return r;
    });
    results.w3 = await attempt('w3', async () => {
      log('workload 3 (alert latency, 10k readings/s background)');
      const r = await alertLatency(ctx, sims!.registry, b.alertEvents, 10_000, 'alerts_loaded');
      log(`  ${latencyLine(r)}`);
      return r;
    });
    await sims?.stop();
    sims = undefined;
    results.w4 = await attempt('w4', () => workload4(ctx, b));
    const w1Best = results.w1 ? bestSustained(results.w1) : undefined;
    results.w5 = await attempt('w5', () => workload5(ctx, b, mqttPark(`${ctx.runTag}-w5`), w1Best ? Math.max(b.rampStart, Math.round(w1Best.target / 2 / 500) * 500) : b.rampStart));
  } finally {
    await sims?.stop().catch(() => undefined);
    await publishers?.stop().catch(() => undefined);
    await influx?.close().catch(() => undefined);
    await mosquitto?.stop().catch(() => undefined);
    await stopAll();
  }
  results.finishedAt = new Date().toISOString();
  results.machine.loadEnd = loadavg().map((x) => x.toFixed(2)).join(' ');
  // the raw deviations of large Modbus sizes are only needed for the charts
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, (k, v) => (k === 'series' || k === 'all' || k === 'latencies' || k === 'ticketLatencies' || k === 'batchMs' ? undefined : v), 2));
  writeReport(BENCH, results);
  console.log('\nTargets:');
  for (const t of targets(results)) console.log(`  ${t.met === undefined ? 'not measured' : t.met ? 'met    ' : 'NOT met'}  ${t.name} (${t.goal}): ${t.figure}`);
  log(`report: test/bench/REPORT.md, charts: test/bench/charts/, raw: test/bench/out/`);
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    await stopAll();
    process.exit(1);
  },
);
