import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadGenerator, type LoadGenerator } from '../../simulators/load/index.js';
import { startBroker } from '../helpers/broker.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { loadRigEnv, seriesProblems, spoolBytes, storedCount, storedSeries, whenSubscribed } from '../helpers/loadRig.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;

describe('kill -9 while the spool grows (InfluxDB down), restart with InfluxDB up', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  const gateways: GatewayProcess[] = [];
  let gen: LoadGenerator | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'park-spool-crash-'));
    influx = await startInflux();
    broker = await startBroker();
  }, 120 * S);

  afterAll(async () => {
    await gen?.stop();
    for (const g of gateways) await g.kill9();
    await broker?.close();
    await influx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the spool: every produced reading in InfluxDB exactly once, in order', async () => {
    const { park, env } = await loadRigEnv(dir, { influxUrl: influx.url, database: influx.database, mqttUrl: broker.url });
    await influx.stop(); // down before the gateway starts: everything goes to the spool
    const subscribed = whenSubscribed(broker.broker, park.inputs.mqtt.clientId);
    gateways.push(await startGatewayProcess(env));
    await subscribed;

    gen = createLoadGenerator({ url: broker.url, registry: park, rate: 2000, shape: 'full' });
    await gen.start();
    await waitFor(() => spoolBytes(dir) > 2 * 1024 * 1024, 'the spool to grow past 2 MiB', 90 * S, 200);
    const spooledBeforeKill = spoolBytes(dir);
    await gateways[0]!.kill9(); // mid-spool: the load goes on, the broker keeps it for the gateway's session

    await influx.start();
    gateways.push(await startGatewayProcess(env));
    const atRestart = gen.produced();
    await waitFor(() => gen!.produced() >= atRestart + 6000, 'live data behind the replay', 60 * S, 100);
    await gen.stop();
    const produced = gen.produced();
    expect(gen.errors).toBe(0);

    let count = 0;
    await waitFor(async () => (count = await storedCount(influx)) >= produced, `${produced} points in InfluxDB`, 120 * S, 500).catch(() => undefined);
    expect(count).toBe(produced);
    expect(seriesProblems(await storedSeries(influx), gen.perSeries())).toEqual([]);

    // the second process found the first one's spool and replayed it
    const replay = gateways[1]!.logs.find((l) => l.msg === 'spool: replaying what the previous run had not written');
    expect(replay?.points).toBeGreaterThan(0);
    expect(spooledBeforeKill).toBeGreaterThan(2 * 1024 * 1024);
    // a moment later, still exact: nothing written twice with another timestamp
    await new Promise((r) => setTimeout(r, 2 * S)); // proving an absence (no late duplicate): no condition to wait for
    expect(await storedCount(influx)).toBe(produced);
  }, 240 * S);
});
