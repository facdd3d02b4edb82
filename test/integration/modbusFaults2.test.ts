import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { registryFor, run, until, type Run } from './modbusHarness.js';

let base: Registry;
beforeAll(() => {
  base = loadRegistry();
});

/** errors of a device by kind */
const errorsOf = (r: Run, device: string) => r.health.get(device)?.errors ?? {};

describe('RS-485 line: broken frames from two slaves among live ones', () => {
  const live = ['WP-35-M', 'WP-38-M']; // units 1 and 4 on rtu-rack-4
  let r: Run;

  beforeAll(async () => {
    const registry = registryFor(base, ['WP-35', 'WP-36', 'WP-37', 'WP-38'], (d) => Object.assign(d, { intervalMs: 300, timeoutMs: 1000 }));
    r = await run(registry, (signals) => {
      signals.setFault('WP-36-M', 'bad-crc'); // unit 2
      signals.setFault('WP-37-M', 'short-frame'); // unit 3
    });
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('a wrong CRC is counted as crc, a truncated answer as timeout, both on their own device only', async () => {
    await until(() => (errorsOf(r, 'WP-36-M').crc ?? 0) >= 2 && (r.health.get('WP-37-M')?.failures ?? 0) >= 2, 'two failed polls of WP-36-M and WP-37-M');
    // modbus-serial's CRC check rejects the answer; classify() names it crc
    expect(errorsOf(r, 'WP-36-M')).toEqual({ crc: r.health.get('WP-36-M')!.failures });
    expect(r.health.get('WP-36-M')?.lastError).toMatch(/^WP-36-M \(unit 2 on rtu-rack-4\): CRC error in the answer to FC 03/);
    // the client waits for the rest of a truncated RTU frame (it does not time the 3.5-character gap): a timeout
    expect(errorsOf(r, 'WP-37-M')).toEqual({ timeout: r.health.get('WP-37-M')!.failures });
    expect(r.health.get('WP-37-M')?.lastError).toMatch(/^WP-37-M \(unit 3 on rtu-rack-4\): timeout after 1000 ms/);
    expect(r.readings.some((x) => x.device === 'WP-36-M' || x.device === 'WP-37-M')).toBe(false);
  });

  it('the other slaves on the line keep producing readings without errors', async () => {
    const at = Object.fromEntries(live.map((d) => [d, r.polls(d)]));
    await until(() => live.every((d) => r.polls(d) >= at[d]! + 5), '5 more polls of every live slave');
    for (const d of live) {
      expect(r.health.get(d)?.online).toBe(true);
      expect(errorsOf(r, d)).toEqual({});
    }
  });

  it('both recover when their frames are whole again', async () => {
    r.signals.setFault('WP-36-M', undefined);
    r.signals.setFault('WP-37-M', undefined);
    await until(() => r.polls('WP-36-M') >= 1 && r.polls('WP-37-M') >= 1, 'readings from WP-36-M and WP-37-M', 40_000);
    expect(r.health.get('WP-36-M')?.online).toBe(true);
    expect(r.health.get('WP-37-M')?.online).toBe(true);
  });
});

describe('TCP gateway line: a slave whose connection is reset on every request', () => {
  const sites = ['WP-01', 'WP-02', 'WP-03', 'WP-04']; // units 1-4 on tcp-rack-1
  const live = ['WP-01-M', 'WP-03-M', 'WP-04-M'];
  let r: Run;

  beforeAll(async () => {
    const registry = registryFor(base, sites, (d) => Object.assign(d, { intervalMs: 250, timeoutMs: 1000 }));
    r = await run(registry, (signals) => signals.setFault('WP-02-M', 'reset'));
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('every reset costs one failed poll of that device, which reconnects for the next one', async () => {
    await until(() => (r.health.get('WP-02-M')?.failures ?? 0) >= 3, 'three failed polls of WP-02-M');
    const h = r.health.get('WP-02-M')!;
    // each failed poll sent a request on a fresh connection (one request, then the server reset it)
    expect(r.sim.stats()['tcp-rack-1']!.perUnit[2]!).toBeGreaterThanOrEqual(3);
    // modbus-serial does not fail the request in flight when the socket closes: the first reset may surface
    // as a connection error, later ones as the request's timeout
    expect((h.errors.connection ?? 0) + (h.errors.timeout ?? 0)).toBe(h.failures);
    expect(Object.keys(h.errors).every((k) => k === 'connection' || k === 'timeout')).toBe(true);
    expect(h.lastError).toMatch(/^WP-02-M \(unit 2 on tcp-rack-1\): /);
    expect(r.polls('WP-02-M')).toBe(0);
  });

  it('the neighbours keep their connections and readings', async () => {
    const at = Object.fromEntries(live.map((d) => [d, r.polls(d)]));
    await until(() => live.every((d) => r.polls(d) >= at[d]! + 5), '5 more polls of every live device');
    for (const d of live) {
      expect(r.health.get(d)?.online).toBe(true);
      expect(errorsOf(r, d)).toEqual({});
    }
  });

  it('reconnects and reads again once the resets stop', async () => {
    r.signals.setFault('WP-02-M', undefined);
    await until(() => r.polls('WP-02-M') >= 2, 'readings from WP-02-M');
    expect(r.health.get('WP-02-M')?.online).toBe(true);
    await until(() => r.sim.stats()['tcp-rack-1']?.connections === sites.length, 'one connection per device again');
  });
});

describe('TCP: an MBAP header promising more than is sent', () => {
  it('is counted as a timeout of that device only', async () => {
    const r = await run(registryFor(base, ['WP-05', 'WP-06'], (d) => Object.assign(d, { intervalMs: 250, timeoutMs: 800 })), (s) => s.setFault('WP-05-M', 'short-frame'));
    try {
      await until(() => (r.health.get('WP-05-M')?.failures ?? 0) >= 2 && r.polls('WP-06-M') >= 5, 'two failed polls of WP-05-M and readings of WP-06-M');
      // the client waits for the promised bytes; a well-framed answer never comes
      expect(errorsOf(r, 'WP-05-M')).toEqual({ timeout: r.health.get('WP-05-M')!.failures });
      expect(errorsOf(r, 'WP-06-M')).toEqual({});
      expect(r.polls('WP-05-M')).toBe(0);
    } finally {
      await r.stop();
    }
  });
});
