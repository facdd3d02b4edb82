/**
 * Micro-benchmark of the processor's dedupe (not a test; figures are printed, never asserted):
 *
 *   npx tsx test/bench/dedupeMicro.ts [--messages 100000] [--per-turn 64]
 *
 * Readings/s through createProcessor (validate + dedupe + commit; the spool append is a no-op), MQTT-shaped
 * batches of 4 readings, timestamps rising per series as devices send them, with:
 *   - "memory": the in-memory dedupe (512 timestamps per series, forgotten across restarts);
 *   - "stored": the durable record of stored timestamps (processor/stored, SQLite WAL in a temp dir).
 * Each with group commit (`--per-turn` batches per commit, as one event-loop turn gathers them) and with one
 * commit per batch (the worst case: one SQLite transaction per 4 readings). A last run re-sends 10 % old
 * timestamps (late or repeated readings: the lookups the newest-per-series fast path cannot skip).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { createDeadLetterStore } from '../../gateway/deadLetter/index.js';
import type { Reading, ReadingBatch } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createProcessor } from '../../processor/index.js';
import { createSqliteStoredTimestamps } from '../../processor/stored/index.js';

const { values: args } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, 'per-turn': { type: 'string', default: '64' } } });
const N = Number(args.messages);
const PER_TURN = Number(args['per-turn']);
const registry = loadRegistry();
const log = pino({ level: 'silent' });
const devices = registry.sites.flatMap((s) => s.devices.flatMap((d) => (d.kind === 'mqtt' ? [{ site: s.id, device: d.id, channels: d.channels }] : [])));
const t0 = Date.now() - 86_400_000;

function batches(late: number): Reading[][] {
  return Array.from({ length: N }, (_, i) => {
    const d = devices[i % devices.length]!;
    const step = Math.floor(i / devices.length);
    const old = late > 0 && i % Math.round(1 / late) === 0 && step > 10;
    const ts = t0 + (old ? step - 7 : step) * 1000; // 7 steps back: a timestamp stored earlier (its own batch was not a late one)
    return d.channels.slice(0, 4).map((c) => ({ site: d.site, device: d.device, pollutant: c, value: 1 + (i % 5), unit: registry.pollutants[c]!.unit, ts, flag: 'N', source: 'mqtt' }) as Reading);
  });
}

function run(what: string, durable: boolean, perTurn: number, late = 0): number {
  const dir = mkdtempSync(join(tmpdir(), 'dedupe-bench-'));
  const stored = durable ? createSqliteStoredTimestamps(join(dir, 'stored.db')) : undefined;
  const input = batches(late);
  const batches$ = new Subject<ReadingBatch>();
  let turn: (() => void) | undefined;
  const p = createProcessor({ registry, batches$, store: { append: () => undefined }, deadLetters: createDeadLetterStore(), log, ...(stored ? { stored } : {}), defer: (fn) => void (turn = fn) });
  let n = 0;
  p.accepted$.subscribe((b) => (n += b.length));
  const readings = input.reduce((s, b) => s + b.length, 0);
  const start = performance.now();
  input.forEach((readings, i) => {
    batches$.next({ readings });
    if ((i + 1) % perTurn === 0) turn?.();
  });
  turn?.();
  const s = (performance.now() - start) / 1000;
  const rate = readings / s;
  console.log(`${what.padEnd(44)} ${rate.toFixed(0).padStart(9)} readings/s   (${n} accepted of ${readings}, ${s.toFixed(2)} s)`);
  stored?.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

console.log(`dedupe: ${N} batches of 4 readings, ${devices.length} devices`);
run('warm-up', false, PER_TURN);
const mem = run(`memory, ${PER_TURN} batches per commit`, false, PER_TURN);
const sto = run(`stored (SQLite), ${PER_TURN} batches per commit`, true, PER_TURN);
const mem1 = run('memory, 1 batch per commit', false, 1);
const sto1 = run('stored (SQLite), 1 batch per commit', true, 1);
const memL = run(`memory, ${PER_TURN}/commit, 10 % late re-sends`, false, PER_TURN, 0.1);
const stoL = run(`stored, ${PER_TURN}/commit, 10 % late re-sends`, true, PER_TURN, 0.1);
console.log(`→ stored/memory: ${(sto / mem).toFixed(2)} (group commit), ${(sto1 / mem1).toFixed(2)} (a commit per batch), ${(stoL / memL).toFixed(2)} (10 % late)`);
