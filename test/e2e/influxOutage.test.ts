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
const OUTAGE_MS = 60 * S;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('InfluxDB down for 60 s under 2,000 readings/s', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let dir: string;
  let gw: GatewayProcess | undefined;
  let gen: LoadGenerator | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'park-influx-outage-'));
    influx = await startInflux(); // private influxd: stop() and start() keep its port and data
    broker = await startBroker();
  }, 120 * S);

  afterAll(async () => {
    await gen?.stop();
    await gw?.kill9();
    await broker?.close();
    await influx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing: after InfluxDB is back, the count of points equals the count produced, each series in order', async () => {
    const { park, env } = await loadRigEnv(dir, { influxUrl: influx.url, database: influx.database, mqttUrl: broker.url });
    const subscribed = whenSubscribed(broker.broker, park.inputs.mqtt.clientId);
    gw = await startGatewayProcess(env);
    await subscribed;
    gen = createLoadGenerator({ url: broker.url, registry: park, rate: 2000, shape: 'full' });
    await gen.start();
    await waitFor(async () => (await storedCount(influx)) > 0, 'the first points in InfluxDB', 60 * S, 500);

    await influx.stop();
    const downAt = Date.now();
    const producedAtStop = gen.produced();
    await sleep(OUTAGE_MS); // the outage is the scenario: InfluxDB stays away this long
    const spooled = spoolBytes(dir);
    const producedDuringOutage = gen.produced() - producedAtStop;
    await influx.start();
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(OUTAGE_MS);

    const atBack = gen.produced();
    await waitFor(() => gen!.produced() >= atBack + 10_000, 'load going on while the backlog is written', 60 * S, 100);
    await gen.stop();
    const produced = gen.produced();
    expect(gen.errors).toBe(0);
    // what arrived during the outage went to the spool on disk
    expect(producedDuringOutage).toBeGreaterThan(0);
    expect(spooled).toBeGreaterThan(1024 * 1024);

    let count = 0;
    await waitFor(async () => (count = await storedCount(influx)) >= produced, `${produced} points in InfluxDB`, 120 * S, 1000).catch(() => undefined);
    expect(count).toBe(produced);
    expect(seriesProblems(await storedSeries(influx), gen.perSeries())).toEqual([]);
    const health = (await (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/healthz`)).json()) as { writeErrors?: number };
    expect(health.writeErrors).toBeGreaterThan(0);
  }, 240 * S);
});
