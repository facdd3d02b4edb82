import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startGateway, type Gateway, type GatewayOptions } from '../../gateway/app.js';
import { CHEAP } from '../../gateway/auth/testing.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startBroker } from './broker.js';
import { startInflux, type RunningInflux } from './influx.js';

export interface RunningGateway {
  readonly gw: Gateway;
  readonly influx: RunningInflux;
  readonly dataDir: string;
  /** the gateway's URL of a path */
  url(path: string): string;
  /** headers of the admin token (PARK_ADMIN_TOKEN) */
  readonly auth: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The whole gateway as `npm start` composes it, on a temporary data directory, a private influxd, an
 * embedded-broker stand-in and free ports, with an admin token for the routes; `prepare` may write the data
 * directory first (a park.db as an earlier run left it).
 */
export async function startRunningGateway(name: string, o: { prepare?: (dataDir: string) => void; options?: Partial<GatewayOptions> } = {}): Promise<RunningGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), `park-${name}-`));
  o.prepare?.(dataDir);
  const adminToken = `integration-admin-token-${name}-0123456789`;
  const influx = await startInflux();
  const broker = await startBroker();
  let gw: Gateway | undefined;
  const close = async () => {
    await gw?.stop();
    await broker.close();
    await influx.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    gw = await startGateway({ registry: loadRegistry(), mqttUrl: broker.url, influx, httpPort: 0, hj212Port: 0, dataDir, log: pino({ level: 'silent' }), people: { adminToken, hashCost: CHEAP }, ...o.options });
  } catch (err) {
    await close();
    throw err;
  }
  const running = gw;
  return { gw: running, influx, dataDir, url: (path) => `http://127.0.0.1:${running.httpPort}${path}`, auth: { authorization: `Bearer ${adminToken}` }, close };
}
