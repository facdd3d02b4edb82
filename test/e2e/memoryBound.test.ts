import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadGenerator, type LoadGenerator } from '../../simulators/load/index.js';
import { startBroker } from '../helpers/broker.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.js';
import { freePort } from '../helpers/influxd.js';
import { loadRigEnv, spoolBytes, whenSubscribed } from '../helpers/loadRig.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;
const MiB = 1024 * 1024;
/** README "Spool": the gateway process stays under this while InfluxDB is away, however long */
const RSS_CEILING = 400 * MiB;
const SPOOL_MAX_MB = 8;

describe('InfluxDB away for a long run: memory stays bounded, the spool stops at its bound', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let gw: GatewayProcess | undefined;
  let gen: LoadGenerator | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'park-memory-bound-'));
    broker = await startBroker();
  }, 60 * S);

  afterAll(async () => {
    await gen?.stop();
    await gw?.kill9();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`RSS under ${RSS_CEILING / MiB} MiB while the spool fills to ${SPOOL_MAX_MB} MiB and then drops its oldest segments`, async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`; // no InfluxDB there for the whole run
    const { park, env } = await loadRigEnv(dir, {
      influxUrl: nowhere,
      database: 'park',
      mqttUrl: broker.url,
      extra: { SPOOL_MAX_MB: String(SPOOL_MAX_MB), SPOOL_SEGMENT_MB: '1' },
    });
    const subscribed = whenSubscribed(broker.broker, park.inputs.mqtt.clientId);
    gw = await startGatewayProcess(env);
    await subscribed;
    const g = gw;
    const samples: { rss: number; spool: number }[] = [];
    const sample = () => samples.push({ rss: g.rss() ?? 0, spool: spoolBytes(dir) });
    sample();
    const sampler = setInterval(sample, 250);
    try {
      gen = createLoadGenerator({ url: broker.url, registry: park, rate: 8000, shape: 'full' });
      await gen.start();
      const full = () => g.logs.filter((l) => l.msg === 'SPOOL FULL: oldest segment dropped; its points are lost');
      await waitFor(() => full().length > 0, 'the spool to reach its bound', 90 * S, 250);
      const producedAtBound = gen.produced();
      // keep going: four times as much again as filled the spool, many more segments dropped
      await waitFor(() => gen!.produced() >= 5 * producedAtBound && full().length >= 8, 'more load past the bound', 90 * S, 250);
      await gen.stop();
      sample();
    } finally {
      clearInterval(sampler);
    }
    const maxRss = Math.max(...samples.map((s) => s.rss));
    const maxSpool = Math.max(...samples.map((s) => s.spool));
    console.log(`memoryBound: ${samples.length} samples, RSS start ${(samples[0]!.rss / MiB).toFixed(0)} MiB, max ${(maxRss / MiB).toFixed(0)} MiB; spool max ${(maxSpool / MiB).toFixed(1)} MiB; produced ${gen.produced()}`);
    expect(samples.every((s) => s.rss > 0)).toBe(true); // the process lived throughout
    expect(maxRss).toBeLessThan(RSS_CEILING);
    expect(maxSpool).toBeLessThanOrEqual(SPOOL_MAX_MB * MiB);
    expect(maxSpool).toBeGreaterThan((SPOOL_MAX_MB - 2) * MiB);
    const dropped = g.logs.filter((l) => l.msg === 'SPOOL FULL: oldest segment dropped; its points are lost');
    expect(dropped.every((l) => (l.points as number) > 0 && (l.maxBytes as number) === SPOOL_MAX_MB * MiB)).toBe(true);
  }, 180 * S);
});
