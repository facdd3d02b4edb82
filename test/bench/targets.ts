/** What the benchmark results are and which targets they meet. */
import type { CeilingResult } from './ceiling.js';
import type { IdleResult } from './idle.js';
import type { StepResult } from './ingest.js';
import type { LatencyResult } from './alerts.js';
import type { ModbusResult } from './modbus.js';
import type { NodeRedResult } from './nodered.js';
import { fmt, mb, pct, summarize } from './stats.js';
import { bestSustained, type ShapeResult, type Workload1Result } from './workload1.js';

export interface Machine {
  nproc: number;
  memGiB: number;
  cpu: string;
  node: string;
  influxd: string;
  loadStart: string;
  loadEnd?: string;
}

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  quick: boolean;
  machine: Machine;
  ceiling?: CeilingResult;
  /** the deployment broker's configuration (undefined: no Mosquitto ran) */
  mosquittoConfig?: string;
  w1?: Workload1Result;
  idle?: IdleResult;
  w3?: LatencyResult;
  /** the same measurement without background load: the baseline */
  w3idle?: LatencyResult;
  w4?: ModbusResult;
  w5?: NodeRedResult;
  errors: { workload: string; message: string }[];
}

export interface Target {
  name: string;
  goal: string;
  figure: string;
  met: boolean | undefined;
  why?: string;
}

const rate = (n: number | undefined) => (n === undefined ? '–' : `${fmt(n)} readings/s`);
const ms = (n: number) => `${fmt(n, n < 10 ? 2 : 1)} ms`;
const cores = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(2));

/** CPU per reading of the profiled step: the gateway's threads (broker threads apart) from the profiles, and from /proc. */
export function cpuPerReading(s: ShapeResult | undefined): { gatewayUs?: number; mainUs?: number; brokerUs?: number; procUs?: number; brokerProcUs?: number; loadUs?: number } {
  const st = s?.profiledStep;
  const n = s?.profiledReadings;
  if (!s || !st || !n) return {};
  const others = s.threads ?? [];
  const per = (busyMs: number) => (busyMs * 1000) / n;
  const mainUs = s.profile ? per(s.profile.busyMs) : undefined;
  const gatewayUs = mainUs === undefined ? undefined : mainUs + per(others.filter((t) => !t.broker).reduce((a, t) => a + t.busyMs, 0));
  const brokerThreads = others.filter((t) => t.broker);
  const wallS = st.durationMs / 1000;
  const perCores = (c: number | undefined) => (c === undefined ? undefined : (c * 1e6 * wallS) / n);
  return {
    gatewayUs,
    mainUs,
    brokerUs: brokerThreads.length ? per(brokerThreads.reduce((a, t) => a + t.busyMs, 0)) : undefined,
    procUs: perCores(st.gatewayCores),
    brokerProcUs: perCores(st.brokerCores),
    loadUs: perCores(st.loadCores),
  };
}

const confirmLine = (c: StepResult | undefined, label: string) =>
  c ? `${label}: ${rate(c.offered)} for ${fmt(c.durationMs / 1000)} s, ${fmt(c.counted)}/${fmt(c.published)} counted (${c.sustained ? 'sustained' : `not sustained: ${c.reasons.join('; ')}`}); gateway ${cores(c.gatewayCores)} cores, broker ${cores(c.brokerCores)}, load generator ${cores(c.loadCores)}, influxd ${cores(c.influxCores)}` : `${label}: not run`;

export function targets(r: BenchResults): Target[] {
  const deploy = r.w1 ? bestSustained(r.w1, 'mosquitto') : undefined;
  const embedded = r.w1 ? bestSustained(r.w1, 'aedes') : undefined;
  const full = r.w1?.shapes.find((s) => s.shape === 'full');
  const ceiling = r.ceiling?.pointsPerSec;
  const profile = full?.profile;
  const cpu = cpuPerReading(full);
  const stages = profile ? profile.byStage.slice(0, 5).map((c) => `${c.name} ${pct(c.share)}`).join(', ') : 'no profile';
  const out: Target[] = [];
  const primary = r.mosquittoConfig ? full?.mosquitto : full?.aedes;
  const limit = primary?.steps.filter((x) => !x.sustained).sort((a, b) => a.target - b.target)[0];
  const head = r.mosquittoConfig ? deploy : embedded;
  const sixty = head ? head.durationMs >= 60_000 : false;
  out.push({
    name: 'ingest throughput, deployment broker',
    goal: '≥ 100,000 readings/s for 60 s, every reading counted (Mosquitto as shipped; embedded broker beside)',
    figure: `${rate(head?.offered)} (${r.mosquittoConfig ? 'Mosquitto' : 'embedded broker: no Mosquitto ran'}); embedded ${rate(embedded?.offered)}`,
    met: head ? head.offered >= 100_000 && sixty : r.w1 ? false : undefined,
    why:
      [confirmLine(full?.mosquitto.confirm, 'Mosquitto'), confirmLine(full?.aedes.confirm, 'embedded')].join('; ') +
      (r.mosquittoConfig ? `; Mosquitto configuration: ${r.mosquittoConfig}` : '') +
      (limit ? `; where the search stopped (${rate(limit.target)} asked, ${rate(limit.offered)} taken) the gateway used ${cores(limit.gatewayCores)} cores (main thread ${cores(limit.mainCores)}), the broker ${cores(limit.brokerCores)}, the load generator ${cores(limit.loadCores)} and influxd ${cores(limit.influxCores)} of the machine's ${r.machine.nproc}: ${limit.reasons.join('; ')}` : '') +
      (cpu.gatewayUs ? `; at ${cpu.gatewayUs.toFixed(1)} µs per reading one gateway thread tops out near ${fmt(1e6 / cpu.gatewayUs)} readings/s` : ''),
  });
  out.push({
    name: 'gateway CPU per reading',
    goal: '≤ 10 µs (profile), broker CPU apart',
    figure: cpu.gatewayUs !== undefined ? `${cpu.gatewayUs.toFixed(1)} µs (main thread ${cpu.mainUs?.toFixed(1)} µs); broker ${cpu.brokerUs !== undefined ? `${cpu.brokerUs.toFixed(1)} µs (its thread)` : cpu.brokerProcUs !== undefined ? `${cpu.brokerProcUs.toFixed(1)} µs (its process)` : '–'}; load generator ${cpu.loadUs?.toFixed(1) ?? '–'} µs` : '–',
    met: cpu.gatewayUs !== undefined ? cpu.gatewayUs <= 10 : undefined,
    why: full?.profiledStep
      ? `profiled at ${rate(full.profiledStep.offered)} on ${full.profiledStep.broker === 'mosquitto' ? 'Mosquitto' : 'the embedded broker'}; /proc over the same step: gateway process ${cpu.procUs?.toFixed(1) ?? '–'} µs per reading (every thread, GC and libuv included); time goes to ${stages}` +
        (full.threads?.length ? `; other threads: ${full.threads.map((t) => `${t.broker ? 'broker' : 'worker'} ${fmt(t.busyMs)} ms busy (${t.topStage})`).join(', ')}` : '')
      : undefined,
  });
  const nr = r.w5?.best;
  const gw5 = r.w5?.gateway.best;
  const nrHeldAll = !!r.w5 && r.w5.steps.every((x) => x.sustained);
  const gwHeldAll = !!r.w5 && r.w5.gateway.steps.every((x) => x.sustained);
  const ratio = gw5 && nr ? gw5.offered / nr.offered : undefined;
  out.push({
    name: 'throughput vs Node-RED',
    goal: '≥ 2× on the same flow, broker and InfluxDB (limits found in the same run)',
    figure: ratio !== undefined ? `${ratio.toFixed(2)}× (${rate(gw5!.offered)} ÷ ${rate(nr!.offered)})${nrHeldAll ? '; Node-RED held every rate tried: an upper bound' : gwHeldAll ? '; the gateway held every rate tried: a lower bound' : ''}` : '–',
    met: ratio === undefined ? undefined : nrHeldAll ? (ratio < 2 ? false : undefined) : ratio >= 2,
    why:
      gw5 && nr && r.w5
        ? `broker: ${r.w5.broker}; full channel set per message; the gateway used ${cores(gw5.gatewayCores)} cores running every rule of the park with tickets and evidence, Node-RED ${cores(nr.cores)} cores for JSON.parse and one threshold per message`
        : undefined,
  });
  const lat = r.w3 ? summarize(r.w3.latencies) : undefined;
  out.push({
    name: 'alert latency p99',
    goal: '≤ 50 ms at 10k readings/s background',
    figure: lat && r.w3 ? `p50 ${ms(lat.p50)}, p99 ${ms(lat.p99)}, max ${ms(lat.max)} (${r.w3.latencies.length}/${r.w3.events} events, background ${fmt(r.w3.backgroundAchieved)}/s)` : '–',
    met: lat && r.w3 ? lat.p99 <= 50 && r.w3.missed === 0 : undefined,
    why: r.w3
      ? `measured to ${r.w3.endpoint}, embedded broker` +
        (r.w3idle ? `; without background the same path takes p50 ${ms(summarize(r.w3idle.latencies).p50)} / p99 ${ms(summarize(r.w3idle.latencies).p99)}` : '') +
        '; under load the exceeding reading waits behind the background messages in the broker and the gateway event loop, and behind any synchronous ticket write or batch serialisation'
      : undefined,
  });
  const peaks = r.w1 ? r.w1.shapes.flatMap((s) => [s.aedes.peakRss, s.mosquitto.peakRss]).filter((x): x is number => x !== undefined && x > 0) : [];
  const rss = peaks.length ? Math.max(...peaks) : undefined;
  out.push({ name: 'gateway peak RSS at full load', goal: '≤ 300 MB', figure: rss ? mb(rss) : '–', met: rss ? rss <= 300 * 2 ** 20 : undefined, why: 'getrusage maxrss of the gateway process over each sustained-rate run (workload 1, both brokers)' });
  out.push({
    name: 'gateway RSS idle',
    goal: "≤ 150 MB with the park's 57 devices",
    figure: r.idle ? `${mb(r.idle.rssMax)} (${r.idle.devices} devices, ${fmt(r.idle.durationMs / 1000)} s)` : '–',
    met: r.idle ? r.idle.rssMax <= 150 * 2 ** 20 : undefined,
    why: r.idle ? `highest RSS after the warm-up with the embedded broker, the Modbus devices polled and the fence-line stations publishing at their intervals; ${mb(r.idle.rss)} at the end, ${r.idle.peakRss ? mb(r.idle.peakRss) : '–'} peak since start, ${r.idle.gatewayCores.toFixed(3)} cores` : undefined,
  });
  const best = head ?? embedded;
  out.push({
    name: 'share of the InfluxDB ceiling',
    goal: '≥ 25 % (ceiling measured in the same run)',
    figure: best && ceiling ? `${pct(best.offered / ceiling)} of ${fmt(ceiling)} points/s` : '–',
    met: best && ceiling ? best.offered / ceiling >= 0.25 : undefined,
    why: ceiling ? `raw line protocol reaches ${fmt(ceiling)} points/s with influxd at ${r.ceiling!.influxCores.toFixed(2)} cores and no broker, JSON or rules in the way` : undefined,
  });
  return out;
}
