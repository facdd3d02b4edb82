import { asyncScheduler, defer, EMPTY, exhaustMap, filter, finalize, map, merge, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { Reading, ReadingBatch } from '../../model/reading.js';
import type { InputContext, InputFactory } from '../types.js';
import { DevicePoller, type PollOutcome } from './device.js';
import { Link } from './link.js';
import { linkKey, type LinkPool } from './pool.js';

export { decodeChannel, decodePoll, decodeRaw, mostSevere, FLAG_SEVERITY, type Block, type RejectedValue } from './decode.js';
export { encodeChannel, encodeRaw } from './encode.js';
export { planReads, type ReadRequest } from './plan.js';
export { PollError, type FailureKind } from './errors.js';
export { LinkPool, linkKey } from './pool.js';
export { createModbusCommands, type ModbusCommands, type ModbusCommandsOptions } from './commands.js';

export interface ModbusInputOptions {
  /** clock and timers (polling ticks, backoff, reading timestamps); asyncScheduler by default */
  scheduler?: SchedulerLike;
  /** where the input keeps its open links, so commands (valve writes) can share them; created by the composition root */
  pool: LinkPool;
}


interface Setup {
  pollers: { poller: DevicePoller; log: Logger }[];
  close(): Promise<void>;
}

/**
 * Build links and pollers for every Modbus device of the registry; nothing is opened yet.
 * TCP: one link (connection) per device. RTU: one link per line, shared by its devices. Links are taken
 * from the pool (shared with commands such as valve writes) and given back on close.
 */
function setUp(ctx: InputContext, now: () => number, pool: LinkPool): Setup {
  const { modbus } = ctx.registry.inputs;
  const log = ctx.log.child({ input: 'modbus' });
  const lines = new Map(modbus.lines.map((l) => [l.id, l]));
  const links = new Map<string, Link>();
  const pollers: Setup['pollers'] = [];
  const close = async () => void (await Promise.all([...links].map(([key, l]) => pool.release(key, l))));
  try {
    for (const site of ctx.registry.sites) {
      for (const device of site.devices) {
        if (device.kind !== 'modbus') continue;
        const line = lines.get(device.line);
        const map = modbus.maps[device.map];
        if (!line || !map) throw new Error(`modbus: device ${device.id} refers to unknown line ${device.line} or map ${device.map}`);
        const key = linkKey(line, device.id);
        let link = links.get(key);
        if (!link) {
          const lineLog = log.child({ line: line.id });
          link = pool.acquire(key, () => new Link(line, modbus.backoffMs, now, Math.max(device.timeoutMs, 1000), (err) => lineLog.warn({ err }, `line ${line.id}: ${err.message}`)));
          links.set(key, link);
        }
        const poller = new DevicePoller({ site: site.id, device, line, map }, link, ctx.registry.pollutants, now, modbus.backoffMs.max);
        pollers.push({ poller, log: log.child({ site: site.id, device: device.id, unitId: device.unitId, line: line.id }) });
      }
    }
  } catch (err) {
    void close(); // give back the links acquired so far
    throw err;
  }
  return { pollers, close };
}

/** Health, logs and dead letters for one poll; returns the readings to emit. */
function report(ctx: InputContext, p: Setup['pollers'][number], o: PollOutcome): Reading[] {
  const { poller, log } = p;
  const { spec } = poller;
  if (o.kind === 'skipped') return [];
  if (o.kind === 'failed') {
    ctx.health.fail(spec.device.id, o.error.kind, o.error.message);
    const fields = { kind: o.error.kind, failures: o.failures, retryInMs: o.retryInMs };
    if (o.failures === 1) log.warn(fields, o.error.message);
    else log.debug(fields, o.error.message);
    return [];
  }
  ctx.health.ok(spec.device.id, o.ts);
  if (o.recovered) log.info(`${poller.where}: answering again`);
  for (const r of o.rejected) {
    ctx.deadLetters.put({
      at: o.ts,
      source: 'modbus',
      where: `${poller.where} ${r.table} ${r.address} (${spec.site}/${r.pollutant})`,
      reason: r.reason,
      detail: r.detail,
      raw: r.raw,
    });
    log.warn({ pollutant: r.pollutant, reason: r.reason, raw: r.raw }, `${poller.where}: ${r.pollutant} rejected: ${r.detail}`);
  }
  return o.readings;
}

/**
 * The Modbus input (see README.md). Cold: each subscription opens its own connections (through `pool`)
 * and polls every Modbus device of ctx.registry at its interval, emitting one batch per poll;
 * unsubscribing closes them all.
 */
export function createModbusInput(opts: ModbusInputOptions): InputFactory {
  const scheduler = opts.scheduler ?? asyncScheduler;
  const { pool } = opts;
  return (ctx: InputContext): Observable<ReadingBatch> =>
    defer(() => {
      const setup = setUp(ctx, () => scheduler.now(), pool);
      if (setup.pollers.length === 0) return EMPTY;
      const streams = setup.pollers.map((p) =>
        timer(0, p.poller.spec.device.intervalMs, scheduler).pipe(
          // a poll still running (slow or dead device) makes the next tick drop, never pile up
          exhaustMap(() => defer(() => p.poller.poll())),
          // one batch per poll (no ack: nothing to acknowledge to a Modbus slave)
          map((outcome): ReadingBatch => ({ readings: report(ctx, p, outcome) })),
          filter((b) => b.readings.length > 0),
        ),
      );
      return merge(...streams).pipe(
        finalize(() => {
          setup.close().catch((err: Error) => ctx.log.warn({ err, input: 'modbus' }, 'modbus: error while closing'));
        }),
      );
    });
}
