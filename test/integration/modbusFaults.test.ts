import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { startModbusSimulators } from '../../simulators/modbus/index.js';
import { registryFor, run, until, type Run } from './modbusHarness.js';

let base: Registry;
beforeAll(() => {
  base = loadRegistry();
});

const devicesOf = (ids: string[]) => ids.map((s) => `${s}-M`);

describe('TCP gateway line: a silent device and a device answering exceptions among live ones', () => {
  const sites = ['WP-01', 'WP-02', 'WP-03', 'WP-04', 'WP-05', 'WP-06']; // units 1-6 on tcp-rack-1
  const live = devicesOf(['WP-01', 'WP-02', 'WP-04', 'WP-06']);
  let r: Run;

  beforeAll(async () => {
    const registry = registryFor(base, sites, (d) => {
      d.intervalMs = 250;
      d.timeoutMs = 1000;
      // the silent device's first poll takes 3 × 3000 ms before it is declared failed
      if (d.id === 'WP-03-M') Object.assign(d, { timeoutMs: 3000, retries: 2 });
    });
    r = await run(registry, (signals) => {
      signals.setSilent('WP-03-M', true);
      signals.setGarbage('WP-05-M', true);
    });
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('the live devices keep their interval while the silent one is still timing out', async () => {
    // blocking behind the silent device would allow one poll per ~9 s: 10 polls each would take minutes
    await until(() => live.every((d) => r.polls(d) >= 10), '10 polls of every live device');
    for (const d of live) expect(r.health.get(d)?.online).toBe(true);
    expect(r.polls('WP-03-M')).toBe(0);
  });

  it('the silent device is reported in health with its unit id, as a timeout', async () => {
    await until(() => (r.health.get('WP-03-M')?.errors.timeout ?? 0) >= 1, 'a timeout reported for WP-03-M');
    const h = r.health.get('WP-03-M')!;
    expect(h.online).toBe(false);
    expect(h.lastError).toMatch(/^WP-03-M \(unit 3 on tcp-rack-1\): timeout after 3000 ms/);
  });

  it('the device answering exceptions is reported as such and costs the others nothing', async () => {
    await until(() => (r.health.get('WP-05-M')?.errors.exception ?? 0) >= 2, 'two exception failures of WP-05-M');
    const h = r.health.get('WP-05-M')!;
    expect(h.online).toBe(false);
    expect(h.lastError).toMatch(/^WP-05-M \(unit 5 on tcp-rack-1\): Modbus exception 4 \(slave device failure\)/);
    expect(r.polls('WP-05-M')).toBe(0);
    expect(r.readings.every((x) => x.device !== 'WP-05-M' && x.device !== 'WP-03-M')).toBe(true);
  });

  it('each device has its own connection to the gateway', () => {
    expect(r.sim.stats()['tcp-rack-1']?.connections).toBe(sites.length);
  });

  it('both recover when they answer again', async () => {
    r.signals.setSilent('WP-03-M', false);
    r.signals.setGarbage('WP-05-M', false);
    await until(() => r.polls('WP-03-M') >= 1 && r.polls('WP-05-M') >= 1, 'readings from WP-03-M and WP-05-M');
    expect(r.health.get('WP-03-M')?.online).toBe(true);
    expect(r.health.get('WP-05-M')?.online).toBe(true);
  });
});

describe('RS-485 line over a socat pty pair: a silent slave among live ones', () => {
  const sites = ['WP-35', 'WP-36', 'WP-37', 'WP-38']; // units 1-4 on rtu-rack-4
  const live = devicesOf(['WP-35', 'WP-37', 'WP-38']);
  let r: Run;

  beforeAll(async () => {
    const registry = registryFor(base, sites, (d) => {
      d.intervalMs = 300;
      d.timeoutMs = 1000;
      if (d.id === 'WP-36-M') d.retries = 3; // healthy devices get retries: the first failing poll costs 4 s
    });
    registry.inputs.modbus.backoffMs = { initial: 200, max: 8000 };
    r = await run(registry, (signals) => signals.setSilent('WP-36-M', true));
  });
  afterAll(async () => {
    await r?.stop();
  });

  it('the slave is reported with its unit id, and then costs the line one timeout per backoff period', async () => {
    await until(() => (r.health.get('WP-36-M')?.failures ?? 0) >= 1, 'WP-36-M declared failed');
    expect(r.health.get('WP-36-M')?.lastError).toMatch(/^WP-36-M \(unit 2 on rtu-rack-4\): timeout after 1000 ms/);
    const pollsAt = Object.fromEntries(live.map((d) => [d, r.polls(d)]));

    // without backoff every cycle would spend 4 s on the dead slave: 10 polls each would take 40 s
    await until(() => live.every((d) => r.polls(d) >= pollsAt[d]! + 10), '10 more polls of every live slave');
    for (const d of live) expect(r.health.get(d)?.online).toBe(true);

    // the first poll sent the request and its 3 retries; since then the dead slave was only probed:
    // one request per failed poll, plus at most one in flight
    const requests = r.sim.stats()['rtu-rack-4']!.perUnit[2]!;
    const failures = r.health.get('WP-36-M')!.failures;
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(requests - (4 + (failures - 1))).toBeGreaterThanOrEqual(0);
    expect(requests - (4 + (failures - 1))).toBeLessThanOrEqual(1);
    expect(r.polls('WP-36-M')).toBe(0);
  });

  it('the slave recovers when it answers again', async () => {
    r.signals.setSilent('WP-36-M', false);
    await until(() => r.polls('WP-36-M') >= 1, 'readings from WP-36-M', 40_000);
    expect(r.health.get('WP-36-M')?.online).toBe(true);
  });
});

describe('connections', () => {
  it('reconnects after the server went away', async () => {
    const r = await run(registryFor(base, ['RO-01', 'RO-02'], (d) => Object.assign(d, { intervalMs: 250, timeoutMs: 500 })));
    let again: Awaited<ReturnType<typeof startModbusSimulators>> | undefined;
    try {
      await until(() => r.polls('RO-01-M') >= 1 && r.polls('RO-02-M') >= 1, 'first readings');
      await r.sim.close();
      await until(() => (r.health.get('RO-01-M')?.failures ?? 0) >= 1 && (r.health.get('RO-02-M')?.failures ?? 0) >= 1, 'failures while the servers are down');
      expect(r.health.get('RO-01-M')?.lastError).toMatch(/^RO-01-M \(unit 1 on tcp-RO-01\): /);
      const mark = r.readings.length;
      again = await startModbusSimulators(r.sim.registry, r.signals, { fixedPorts: true });
      await until(() => ['RO-01-M', 'RO-02-M'].every((d) => r.readings.slice(mark).some((x) => x.device === d)), 'readings after the restart');
      expect(r.health.get('RO-01-M')?.online).toBe(true);
    } finally {
      await r.stop();
      await again?.close();
    }
  });

  it('unsubscribing closes every connection', async () => {
    const r = await run(registryFor(base, ['WP-01', 'WP-02', 'WP-03', 'WP-35'], (d) => Object.assign(d, { intervalMs: 200 })));
    try {
      await until(() => r.sim.stats()['tcp-rack-1']?.connections === 3 && r.polls('WP-35-M') >= 2, 'three TCP connections and RTU polls');
      r.unsubscribe();
      await until(() => r.sim.stats()['tcp-rack-1']?.connections === 0, 'every TCP connection closed');
      // nothing polls the serial line any more: while another input at the same interval polls five
      // times (a clock made of real polls, not a sleep), the serial line gets no request
      const requests = r.sim.stats()['rtu-rack-4']!.requests;
      const clock = await run(registryFor(base, ['WP-01'], (d) => Object.assign(d, { intervalMs: 200 })));
      try {
        await until(() => clock.polls('WP-01-M') >= 5, 'five polls of another input');
      } finally {
        await clock.stop();
      }
      expect(r.sim.stats()['rtu-rack-4']!.requests).toBe(requests);
    } finally {
      await r.stop();
    }
  });
});
