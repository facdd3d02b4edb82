import { createServer } from 'node:net';
import type { Registry } from '../../gateway/registry/schema.js';
import { hashSecret, randomSecret, type HashCost } from '../../gateway/secrets/index.js';
import type { SimClock } from '../clock.js';
import type { ParkSignals } from '../signals.js';
import { Hj212LoggerSim } from './logger.js';

export { Hj212LoggerSim, type LoggerSimOptions } from './logger.js';

export interface Hj212LoggerSims {
  /** the registry with the listener port the loggers dial */
  registry: Registry;
  loggers: ReadonlyMap<string, Hj212LoggerSim>;
  /** what the gateway's secrets file holds for these loggers: MN → hash of the PW each logger sends */
  credentials: { loggers: Record<string, string> };
  close(): Promise<void>;
}

/** cheap enough for a demo or a test to hash every logger's PW at start (~1 ms each); production hashes use the default cost */
export const SIM_HASH_COST: HashCost = { ln: 10, r: 8, p: 1 };

/** a free loopback port: the gateway listens on it, the loggers dial it (they retry until it is up) */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** One simulated data logger per hj212 device of the registry, values from the park signals, real-time at the device's interval on the simulated clock. */
export async function startHj212Loggers(registry: Registry, signals: ParkSignals, clock: SimClock, o: { fixedPorts?: boolean } = {}): Promise<Hj212LoggerSims> {
  const devices = registry.sites.flatMap((s) => s.devices.flatMap((d) => (d.kind === 'hj212' ? [{ site: s.id, device: d }] : [])));
  const cfg = registry.inputs.hj212;
  const port = devices.length === 0 || o.fixedPorts ? cfg.port : await freePort(cfg.host);
  const loggers = new Map<string, Hj212LoggerSim>();
  const credentials: Record<string, string> = {};
  for (const { site, device } of devices) {
    // each logger gets its own PW; the gateway gets its hash (what the secrets file would hold)
    const pw = randomSecret(12);
    credentials[device.mn] = hashSecret(pw, SIM_HASH_COST);
    const toFactor = new Map(Object.entries(device.factors).map(([factor, code]) => [code, factor]));
    const sim = new Hj212LoggerSim({
      host: cfg.host,
      port,
      mn: device.mn,
      pw,
      st: device.st,
      channels: device.channels,
      factorOf: (code) => toFactor.get(code) ?? code,
      value: (code, at) => signals.value(site, code, at),
      flag: (code) => signals.flag(site, code),
      now: clock.now,
      intervalMs: device.intervalMs,
      timerWallMs: Math.max(50, clock.wall(device.intervalMs)),
      recordOnConnect: true,
    });
    loggers.set(device.id, sim);
    sim.start();
  }
  return {
    registry: { ...registry, inputs: { ...registry.inputs, hj212: { ...cfg, port } } },
    loggers,
    credentials: { loggers: credentials },
    async close() {
      await Promise.all([...loggers.values()].map((l) => l.close()));
    },
  };
}
