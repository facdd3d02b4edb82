import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepResult } from './ingest.js';
import type { ProfileSummary } from './profile.js';
import { fmt, mb, pct, summarize } from './stats.js';
import { barChart, cdfChart, histogram, lineChart } from './svg.js';
import { bestSustained } from './workload1.js';
import { type BenchResults, targets } from './targets.js';
export { targets, type BenchResults, type Machine, type Target } from './targets.js';

const rate = (n: number | undefined) => (n === undefined ? '–' : `${fmt(n)} readings/s`);
const ms = (n: number) => `${fmt(n, n < 10 ? 2 : 1)} ms`;

function stepRow(s: StepResult): string {
  return `| ${s.broker} | ${s.shape} | ${fmt(s.target)} | ${s.durationMs / 1000} s | ${fmt(s.offered)} | ${fmt(s.counted)} / ${fmt(s.published)} | ${Number.isFinite(s.catchUpMs) ? fmt(s.catchUpMs) : '∞'} ms | ${s.gatewayCores.toFixed(2)} (${s.mainCores.toFixed(2)}) | ${s.brokerCores?.toFixed(2) ?? (s.brokerEluMax !== undefined ? `ELU ${s.brokerEluMax.toFixed(2)}` : '–')} | ${s.loadCores.toFixed(2)} | ${s.influxCores.toFixed(2)} | ${mb(s.rss)} | ${s.lagP99Max.toFixed(0)} ms | ${s.sustained ? 'yes' : `no: ${s.reasons.join('; ')}`} |`;
}

function profileTable(p: ProfileSummary, readings?: number): string[] {
  const rows = (xs: { name: string; ms: number; share: number }[]) => xs.map((x) => `| ${x.name.replace(/\|/g, '\\|')} | ${fmt(x.ms)} ms | ${pct(x.share)} |`);
  const per = (x: { ms: number }) => (readings ? `${((x.ms * 1000) / readings).toFixed(1)} µs` : '–');
  return [
    `Busy ${fmt(p.busyMs)} ms of ${fmt(p.wallMs)} ms profiled (${pct(p.busyMs / (p.wallMs || 1))} of the main thread)${readings ? `, ${fmt(readings)} readings: **${((p.busyMs * 1000) / readings).toFixed(1)} µs of CPU per reading**` : ''}. Profile: \`${p.file.replace(/^.*test\/bench\//, 'test/bench/')}\`.`,
    '',
    '| stage (self time) | time | share of busy | per reading |',
    '|---|---:|---:|---:|',
    ...p.byStage.map((x) => `| ${x.name} | ${fmt(x.ms)} ms | ${pct(x.share)} | ${per(x)} |`),
    '',
    '| component (self time; builtins and node core charged to their caller) | time | share of busy |',
    '|---|---:|---:|',
    ...rows(p.byComponent),
    '',
    '| hottest functions (self time) | time | share |',
    '|---|---:|---:|',
    ...rows(p.topSelf.slice(0, 12)),
    '',
    '| project functions (inclusive time) | time | share |',
    '|---|---:|---:|',
    ...rows(p.topInclusive.slice(0, 12)),
  ];
}

/** Writes REPORT.md and charts/*.svg into `dir`. */
export function writeReport(dir: string, r: BenchResults): string {
  const charts = join(dir, 'charts');
  mkdirSync(charts, { recursive: true });
  const md: string[] = [];
  const chart = (name: string, svgText: string, alt: string) => {
    writeFileSync(join(charts, name), svgText);
    md.push(`![${alt}](charts/${name})`, '');
  };
  md.push(
    '# Benchmark report',
    '',
    `Run ${r.startedAt} → ${r.finishedAt ?? '(unfinished)'}${r.quick ? ' — **--quick smoke run: short steps, figures indicative only**' : ''}.`,
    '',
    `Machine: ${r.machine.nproc} cores (${r.machine.cpu}), ${r.machine.memGiB.toFixed(1)} GiB memory, Node.js ${r.machine.node}, ${r.machine.influxd}. ` +
      `Load average at start ${r.machine.loadStart}${r.machine.loadEnd ? `, at end ${r.machine.loadEnd}` : ''} (other work on the machine makes figures noisy).`,
    '',
    'Produced by `npm run bench` (test/bench/run.ts); every figure is measured in this run, ratios are against baselines of this run.',
    '',
    '## Targets',
    '',
    '| target | goal | figure | met |',
    '|---|---|---|---|',
    ...targets(r).map((t) => `| ${t.name} | ${t.goal} | ${t.figure} | ${t.met === undefined ? 'not measured' : t.met ? '**met**' : '**not met**'} |`),
    '',
    ...targets(r)
      .filter((t) => t.why)
      .map((t) => `- ${t.name}: ${t.why}.`),
    '',
  );
  if (r.errors.length) md.push('## Errors', '', ...r.errors.map((e) => `- ${e.workload}: ${e.message.split('\n')[0]}`), '');

  if (r.ceiling) {
    const c = r.ceiling;
    const l = summarize(c.batchMs);
    md.push(
      '## Workload 2: InfluxDB ceiling',
      '',
      `${c.writers} concurrent writers, batches of ${fmt(c.batch)} points (the gateway's points: measurement, tags and fields alike), ${fmt(c.durationMs / 1000, 1)} s: ` +
        `**${fmt(c.pointsPerSec)} points/s** (${fmt(c.counted)} counted of ${fmt(c.points)} sent), influxd ${c.influxCores.toFixed(2)} cores, batch write p50 ${ms(l.p50)} / p99 ${ms(l.p99)}.`,
      '',
    );
  }

  if (r.w1) {
    md.push('## Workload 1: ingest throughput', '');
    md.push(
      `MQTT → gateway (startGateway, every rule of the park on; compiled JavaScript under plain node) → InfluxDB, on the deployment broker (${r.mosquittoConfig ? `Mosquitto: ${r.mosquittoConfig}` : 'no Mosquitto ran'}) and on the embedded broker as \`npm start\` runs it. ` +
        'Rate search: doubling from the start rate up to the cap, then bisecting to within 15 %; the full channel set is then run for the confirm time in a fresh gateway process. ' +
        'Load: the 9 fence-line stations (AQ-xx, 4 channels each) at the offered rate; the park\'s 47 Modbus devices are simulated and polled as configured. ' +
        `A step is sustained when every published reading is counted in InfluxDB, nothing was dropped and the writer caught up within 3 s of the last message.`,
      '',
      '| broker | shape | target/s | time | offered/s | counted / published | catch-up | gateway cores (main thread) | broker cores | load generator cores | influxd cores | RSS | loop lag p99 | sustained |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const s of r.w1.shapes)
      for (const runs of [s.mosquitto, s.aedes]) {
        for (const st of runs.steps) md.push(stepRow(st));
        if (runs.confirm && !runs.steps.includes(runs.confirm)) md.push(stepRow(runs.confirm).replace(/^\| (\w+)/, '| **$1 (confirm)**'));
      }
    md.push('');
    if (r.w1.shapes.some((s) => s.mosquitto.steps.some((x) => x.lost > 0 && x.gatewayCores < 0.7)))
      md.push(
        'Where a Mosquitto step lost readings while the gateway was far from busy, the loss is in Mosquitto: with its defaults (max_inflight_messages 20, max_queued_messages 1000) it delivers a QoS 1 subscription at the pace of 20 unacknowledged messages and drops what overflows the queue (its log: "Outgoing messages are being dropped for client …").',
        '',
      );
    const best = bestSustained(r.w1);
    if (best && r.ceiling) md.push(`Best sustained: **${rate(best.offered)}** (${best.broker}, ${best.shape}) = **${pct(best.offered / r.ceiling.pointsPerSec)}** of the InfluxDB ceiling.`, '');
    md.push('Gateway cores: the whole gateway process (an embedded broker in a worker thread included); main thread in brackets. Broker cores: Mosquitto\'s process, or the embedded broker\'s child process (ELU: its worker thread\'s event loop utilisation). Load generator: the publisher processes, which share the machine\'s cores.', '');
    for (const s of r.w1.shapes) {
      const c = s.aedes.confirm;
      if (c?.series.length)
        chart(
          `w1-throughput-${s.shape}.svg`,
          lineChart(`Workload 1 (${s.shape}): ${fmt(c.target)} readings/s offered, embedded broker`, 'seconds since the first message', 'readings/s', [
            { name: 'received by the gateway', points: c.series.map((p) => [p.s, p.received]) },
            { name: 'written to InfluxDB', points: c.series.map((p) => [p.s, p.written]) },
          ], [{ y: c.target, label: 'offered' }]),
          `throughput over time, ${s.shape}`,
        );
    }
    for (const s of r.w1.shapes)
      if (s.profile) {
        md.push(`### Profile of the gateway's main thread (${s.shape === 'full' ? 'full channel set per message' : 'one reading per message'}, ${s.profiledStep?.broker === 'mosquitto' ? 'Mosquitto' : 'embedded broker'})`, '', ...profileTable(s.profile, s.profiledReadings), '');
        if (s.threads?.length) md.push('| other profiled thread or process | busy | per reading | mostly |', '|---|---:|---:|---|', ...s.threads.map((t) => `| ${t.broker ? 'broker' : 'worker'} (${t.file.replace(/^.*\//, '')}) | ${fmt(t.busyMs)} ms | ${s.profiledReadings ? ((t.busyMs * 1000) / s.profiledReadings).toFixed(1) : '–'} µs | ${t.topStage} |`), '');
      }
  }

  if (r.idle) {
    md.push(
      '## Idle memory',
      '',
      `The gateway with the embedded broker and the park's ${r.idle.devices} devices at their own intervals (Modbus devices polled from the simulators, fence-line stations publishing once per interval), nothing else, ${fmt(r.idle.durationMs / 1000)} s: ` +
        `RSS **${mb(r.idle.rssMax)}** at most after the warm-up (${mb(r.idle.rss)} at the end, ${r.idle.peakRss ? mb(r.idle.peakRss) : '–'} peak since start), ${r.idle.gatewayCores.toFixed(3)} cores.`,
      '',
    );
  }

  if (r.w3) {
    const l = summarize(r.w3.latencies);
    const t = summarize(r.w3.ticketLatencies);
    const idle = r.w3idle ? summarize(r.w3idle.latencies) : undefined;
    md.push(
      '## Workload 3: alert latency',
      '',
      `${r.w3.events} exceedances (H2S above 0.06 mg/m3 at a fence-line station, rule aq-h2s) while the load ran at ${fmt(r.w3.backgroundAchieved)} readings/s (target ${fmt(r.w3.background)}). ` +
        `Measured from the publish of the exceeding reading to ${r.w3.endpoint}; the ticket (opened/re-opened) is the intermediate point.`,
      '',
      '| | n | p50 | p90 | p99 | max | missed |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...(r.w3idle && idle ? [`| baseline, no background: publish → WeCom | ${idle.n} | ${ms(idle.p50)} | ${ms(idle.p90)} | ${ms(idle.p99)} | ${ms(idle.max)} | ${r.w3idle.missed} |`] : []),
      `| ${fmt(r.w3.backgroundAchieved)}/s background: publish → ticket | ${t.n} | ${ms(t.p50)} | ${ms(t.p90)} | ${ms(t.p99)} | ${ms(t.max)} | |`,
      `| ${fmt(r.w3.backgroundAchieved)}/s background: publish → WeCom | ${l.n} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)} | ${r.w3.missed} |`,
      '',
      ...(idle ? [`Under load ÷ baseline: p50 ${(l.p50 / idle.p50).toFixed(1)}×, p99 ${(l.p99 / idle.p99).toFixed(1)}×.`, ''] : []),
    );
    const series = [{ name: `gateway, ${fmt(r.w3.backgroundAchieved)}/s background`, values: r.w3.latencies }];
    if (r.w3idle) series.push({ name: 'gateway, no background', values: r.w3idle.latencies });
    chart('w3-latency-cdf.svg', cdfChart('Alert latency (publish → alert request)', 'latency (ms)', series, [{ x: 50, label: '50 ms target' }]), 'alert latency CDF');
  }

  if (r.w4) {
    md.push(
      '## Workload 4: Modbus polling capacity',
      '',
      'Jitter = |gap − 1000 ms| between the answer times of consecutive polls of a device at a 1 s interval (a skipped poll counts as ~1000 ms). ' +
        'A size holds while the TCP devices\' p99 jitter stays ≤ 100 ms and ≥ 97 % of the expected polls arrive.',
      '',
      '| devices | TCP p50 | TCP p99 | TCP max | RTU p50 | RTU p99 | RTU max | polls | holds |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      ...r.w4.steps.map(
        (s) => `| ${s.devices} | ${s.tcp.p50} ms | ${s.tcp.p99} ms | ${s.tcp.max} ms | ${s.rtu ? `${s.rtu.p50} ms` : '–'} | ${s.rtu ? `${s.rtu.p99} ms` : '–'} | ${s.rtu ? `${s.rtu.max} ms` : '–'} | ${pct(s.completeness)} | ${s.ok ? 'yes' : 'no'} |`,
      ),
      '',
      `Capacity at 1 s: **${r.w4.capacity ?? '< smallest size'} devices** hold${r.w4.failedAt ? `; ${r.w4.failedAt} devices exceed 100 ms` : ' (no size tried exceeded 100 ms)'}.`,
      '',
    );
    const park = r.w4.steps[0];
    if (park) {
      chart('w4-jitter-park.svg', histogram(`Poll jitter, the park's ${park.devices} Modbus devices at 1 s`, 'jitter (ms)', [...park.all.tcp, ...park.all.rtu]), 'poll jitter histogram');
      chart(
        'w4-jitter-cdf.svg',
        cdfChart('Poll jitter by number of devices (TCP)', 'jitter (ms)', r.w4.steps.map((s) => ({ name: `${s.devices} devices`, values: s.all.tcp.map((x) => Math.max(x, 0.5)) })), [{ x: 100, label: '100 ms' }]),
        'poll jitter CDF by size',
      );
    }
  }

  if (r.w5) {
    const w5 = r.w5;
    md.push(
      '## Workload 5: Node-RED side by side',
      '',
      'The same flow in Node-RED 4 (test/bench/nodered/flow.json): MQTT in (QoS 1) → function (points + H2S threshold) → function (batches of 5,000 / 1 s) → influxdb batch (node-red-contrib-influxdb). ' +
        `Both it and the gateway (every rule on) take the same messages from the same broker (${w5.broker}) and write to the same influxd, each into its own database. Same search (doubling until a rate no longer holds, then bisecting), same criteria as workload 1; the figure is the ratio of the two limits.`,
      '',
      '| system | target/s | time | offered/s | counted / published | catch-up | cores | sustained |',
      '|---|---:|---:|---:|---:|---:|---:|---|',
      ...w5.gateway.steps.map((s) => `| gateway | ${fmt(s.target)} | ${s.durationMs / 1000} s | ${fmt(s.offered)} | ${fmt(s.counted)} / ${fmt(s.published)} | ${Number.isFinite(s.catchUpMs) ? fmt(s.catchUpMs) : '∞'} ms | ${s.gatewayCores.toFixed(2)} | ${s.sustained ? 'yes' : `no: ${s.reasons.join('; ')}`} |`),
      ...w5.steps.map((s) => `| Node-RED | ${fmt(s.target)} | ${s.durationMs / 1000} s | ${fmt(s.offered)} | ${fmt(s.counted)} / ${fmt(s.published)} | ${Number.isFinite(s.catchUpMs) ? fmt(s.catchUpMs) : '∞'} ms | ${s.cores.toFixed(2)} | ${s.sustained ? 'yes' : `no: ${s.reasons.join('; ')}`} |`),
      '',
      `Node-RED peak RSS ${mb(w5.peakRss)}.`,
      '',
    );
    const gw = w5.gateway.best;
    if (gw && w5.best) {
      md.push(
        `Throughput ratio gateway ÷ Node-RED: **${(gw.offered / w5.best.offered).toFixed(1)}×** (${rate(gw.offered)} ÷ ${rate(w5.best.offered)}). ` +
          `CPU per reading at those rates: gateway ${((gw.gatewayCores * 1e6) / gw.offered).toFixed(1)} µs, Node-RED ${((w5.best.cores * 1e6) / w5.best.offered).toFixed(1)} µs.`,
        '',
      );
    }
    const nrLat = w5.latency ? summarize(w5.latency.latencies) : undefined;
    const gwLat = w5.gateway.latency ? summarize(w5.gateway.latency.latencies) : undefined;
    if (nrLat && gwLat && w5.latency)
      md.push(
        `Latency at ${fmt(w5.latency.background)} readings/s background on both: Node-RED p50 ${ms(nrLat.p50)} / p99 ${ms(nrLat.p99)} (publish → its HTTP alert), gateway p50 ${ms(gwLat.p50)} / p99 ${ms(gwLat.p99)} (publish → WeCom request). ` +
          `Ratio gateway ÷ Node-RED: p50 ${(gwLat.p50 / nrLat.p50).toFixed(1)}, p99 ${(gwLat.p99 / nrLat.p99).toFixed(1)} (above 1: Node-RED is faster; its path has no ticket in SQLite and no alert queue).`,
        '',
      );
    if (nrLat && gwLat && w5.latency)
      chart(
        'w5-latency-cdf.svg',
        cdfChart(`Alert latency, ${fmt(w5.latency.background)}/s background`, 'latency (ms)', [
          { name: 'gateway (WeCom request)', values: w5.gateway.latency!.latencies },
          { name: 'Node-RED (HTTP alert)', values: w5.latency.latencies },
        ]),
        'gateway and Node-RED latency',
      );
    if (r.ceiling && r.w1) {
      const bars = [{ label: 'InfluxDB ceiling', value: r.ceiling.pointsPerSec }];
      for (const s of r.w1.shapes) {
        if (s.aedes.confirm?.sustained) bars.push({ label: `gateway embedded-aedes ${s.shape}`, value: s.aedes.confirm.offered });
        if (s.mosquitto.confirm?.sustained) bars.push({ label: `gateway Mosquitto ${s.shape}`, value: s.mosquitto.confirm.offered });
      }
      if (gw) bars.push({ label: 'gateway aedes-process full', value: gw.offered });
      if (w5.best) bars.push({ label: 'Node-RED aedes-process full', value: w5.best.offered });
      chart('throughput-comparison.svg', barChart('Sustained throughput (readings or points per second)', 'per second', bars), 'throughput comparison');
    }
  }
  const text = md.join('\n');
  writeFileSync(join(dir, 'REPORT.md'), text);
  return text;
}
