import { Subject } from 'rxjs';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createRuleEngine } from '../../processor/rules/engine.js';
import { createStateKeeper } from '../../processor/rules/stateKeeper.js';
import { memoryRuleState } from '../../processor/rules/testing.js';

/**
 * Micro-benchmark of the rule engine alone: µs of CPU per reading for the park registry
 * (gateway/registry/park.yaml via the loader), readings of every channel of every device in turn, fed
 * in batches of 4 and of 500. No I/O: rule state goes to an in-memory store, events are only counted.
 *
 *   npx tsx test/bench/rulesMicro.ts [readings=1000000]
 *
 * `MICRO_ENGINE=/path/to/engine.ts` measures another engine with the same signature but taking one
 * reading per emission (the previous version), fed reading by reading.
 */
type Engine = typeof createRuleEngine;

/** one reading of every channel of every device, with values inside most limits (a few series exceed); a dry day (rainfall 0) */
function parkReadings(registry: Registry): Reading[] {
  const out: Reading[] = [];
  for (const site of registry.sites) {
    for (const d of site.devices) {
      const channels = d.kind !== 'modbus' ? d.channels : (registry.inputs.modbus.maps[d.map]?.channels.map((c) => c.pollutant) ?? []);
      for (const pollutant of channels) out.push({ site: site.id, device: d.id, pollutant, value: pollutant === 'a99002' ? 0 : 7, unit: '', ts: 0, flag: 'N', source: d.kind });
    }
  }
  return out;
}

async function measure(create: Engine, perReading: boolean, batchSize: number, total: number): Promise<{ usPerReading: number; events: number }> {
  const registry = loadRegistry();
  const park = parkReadings(registry);
  const keeper = createStateKeeper(memoryRuleState());
  const input = new Subject<unknown>();
  const engine = create({ registry, readings$: input as never, rejections$: new Subject(), keeper });
  let events = 0;
  // the gateway consumes the batches; the previous version had events$ only
  const sub = perReading ? engine.events$.subscribe(() => events++) : engine.batches$.subscribe((b) => (events += b.length));
  const batches: Reading[][] = [];
  for (let i = 0; i < total; i += batchSize) {
    const now = Date.now();
    batches.push(Array.from({ length: Math.min(batchSize, total - i) }, (_, j) => ({ ...park[(i + j) % park.length]!, ts: now })));
  }
  const started = process.cpuUsage();
  for (const b of batches) {
    if (perReading) for (const r of b) input.next(r);
    else input.next(b);
  }
  const cpu = process.cpuUsage(started);
  sub.unsubscribe();
  return { usPerReading: (cpu.user + cpu.system) / total, events };
}

const total = Number(process.argv[2] ?? 1_000_000);
const other = process.env.MICRO_ENGINE;
const create: Engine = other ? ((await import(other)) as { createRuleEngine: Engine }).createRuleEngine : createRuleEngine;
console.log(`rule engine ${other ?? '(this tree)'}: park registry, ${parkReadings(loadRegistry()).length} channels, ${total} readings per run`);
for (const size of [4, 500]) {
  await measure(create, Boolean(other), size, Math.min(total, 100_000)); // warm-up
  const r = await measure(create, Boolean(other), size, total);
  console.log(`  batches of ${String(size).padStart(3)}: ${r.usPerReading.toFixed(3)} µs/reading (${r.events} events)`);
}
process.exit(0);
