import type { BenchContext, Budget } from './context.js';
import { modbusPark, transports } from './registries.js';
import { sleep } from './procs.js';
import { summarize, type Summary } from './stats.js';
import { startGatewayProc, startModbusSimProc } from './system.js';

/**
 * Workload 4: Modbus polling capacity. N simulated devices (the park's 47, then more Modbus TCP
 * devices on generated lines) polled at a 1 s interval by the gateway; poll jitter is |gap − 1000 ms|
 * between the answer times of consecutive polls of a device (a skipped poll shows as ~1000 ms).
 * A size holds while the p99 jitter of the TCP devices stays ≤ 100 ms and ≥ 97 % of the polls came.
 */
export const JITTER_LIMIT_MS = 100;

export interface ModbusStep {
  devices: number;
  measureMs: number;
  /** polls seen ÷ polls expected (devices × measured seconds) */
  completeness: number;
  tcp: Summary;
  rtu?: Summary;
  /** every deviation (ms), for the distribution chart of the default park */
  all: { tcp: number[]; rtu: number[] };
  ok: boolean;
}

export interface ModbusResult {
  steps: ModbusStep[];
  /** largest N that held */
  capacity?: number;
  /** first N that did not hold */
  failedAt?: number;
}

async function measure(ctx: BenchContext, n: number, measureMs: number): Promise<ModbusStep> {
  const registry = modbusPark(`${ctx.runTag}-mb${n}`, n, 1000);
  const kinds = transports(registry);
  const sims = await startModbusSimProc(registry);
  try {
    const gw = await startGatewayProc({ registry: sims.registry, embeddedBroker: true, influx: { url: ctx.influx.url, database: `w4_${n}` } });
    try {
      await sleep(Math.min(8000, 3000 + n * 2)); // connections opened, first polls done
      gw.jitterStart();
      await sleep(measureMs);
      const rep = await gw.jitterReport();
      const tcp: number[] = [];
      const rtu: number[] = [];
      for (const [device, devs] of Object.entries(rep.deviations)) (kinds.get(device) === 'rtu' ? rtu : tcp).push(...devs);
      const completeness = rep.polls / Math.max(1, kinds.size * (measureMs / 1000 - 1));
      const tcpSum = summarize(tcp);
      return {
        devices: kinds.size,
        measureMs,
        completeness: Math.min(1, completeness),
        tcp: tcpSum,
        rtu: rtu.length ? summarize(rtu) : undefined,
        all: { tcp, rtu },
        ok: tcpSum.p99 <= JITTER_LIMIT_MS && completeness >= 0.97,
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await sims.stop();
  }
}

const line = (s: ModbusStep) =>
  `${s.devices} devices: TCP jitter p50 ${s.tcp.p50} / p99 ${s.tcp.p99} / max ${s.tcp.max} ms` +
  (s.rtu ? `, RTU p50 ${s.rtu.p50} / p99 ${s.rtu.p99} / max ${s.rtu.max} ms` : '') +
  `, polls ${(s.completeness * 100).toFixed(1)} % → ${s.ok ? 'holds' : 'exceeds'}`;

/** The ladder of sizes until one fails, then one bisection step between the last that held and it. */
export async function workload4(ctx: BenchContext, b: Budget): Promise<ModbusResult> {
  ctx.log('workload 4 (Modbus polling at 1 s)');
  const steps: ModbusStep[] = [];
  let capacity: number | undefined;
  let failedAt: number | undefined;
  for (const n of b.modbusLadder) {
    const s = await measure(ctx, n, b.modbusMeasureMs);
    steps.push(s);
    ctx.log(`  ${line(s)}`);
    if (s.ok) capacity = n;
    else {
      failedAt = n;
      break;
    }
  }
  if (!ctx.quick && capacity !== undefined && failedAt !== undefined && failedAt / capacity > 1.3) {
    const mid = Math.round((capacity + failedAt) / 2 / 50) * 50;
    const s = await measure(ctx, mid, b.modbusMeasureMs);
    steps.push(s);
    ctx.log(`  ${line(s)}`);
    if (s.ok) capacity = mid;
    else failedAt = mid;
  }
  return { steps, capacity, failedAt };
}
