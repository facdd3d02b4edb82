import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAccess, dataTopic, startEmbeddedBroker } from '../../gateway/broker/index.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { hashesOf } from '../../test/helpers/mqttAuth.js';
import { waitFor } from '../../test/helpers/wait.js';
import { simulatorLogins } from '../logins.js';
import { ParkSignals } from '../signals.js';
import { startMqttSimulators } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'park-sim-logins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simulated MQTT devices with logins', () => {
  it('each device publishes on its own login (or its station’s) and the embedded broker hands every one over', async () => {
    const registry = loadRegistry();
    const prefix = registry.inputs.mqtt.topicPrefix;
    const mqttSites = registry.sites.filter((s) => s.devices.some((d) => d.kind === 'mqtt'));
    // the first station logs in as its site, every other device as itself
    const plain: Record<string, string> = {};
    mqttSites.forEach((s, i) => {
      if (i === 0) plain[s.id] = `station-${s.id}-pw`;
      else for (const d of s.devices) if (d.kind === 'mqtt') plain[d.id] = `device-${d.id}-pw`;
    });
    const file = join(dir, 'logins.yaml');
    writeFileSync(file, Object.entries(plain).map(([u, p]) => `${u}: ${p}\n`).join(''), { mode: 0o600 });
    const broker = await startEmbeddedBroker({ topicPrefix: prefix, access: brokerAccess(registry, hashesOf(plain)).access });
    const topics = new Set<string>();
    broker.feed.subscribe((h) => {
      for (const m of h.messages) topics.add(m.topic);
      h.settle();
    });
    const sims = await startMqttSimulators(registry, new ParkSignals(registry), { url: broker.url, timers: false, credentials: simulatorLogins(file) });
    try {
      await sims.publishNow();
      const expected = mqttSites.flatMap((s) => s.devices.filter((d) => d.kind === 'mqtt').map((d) => dataTopic(prefix, s.id, d.id)));
      await waitFor(() => topics.size === expected.length, 'every device handed over');
      expect([...topics].sort()).toEqual(expected.sort());
      expect(broker.counters.denied.size).toBe(0);
    } finally {
      await sims.close();
      await broker.close();
    }
  });

  it('a logins file that is not a map of strings is refused with its path, without the passwords', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'AQ-01-V: [not, a, password]\nAQ-02-V: secret-pw-1\n');
    expect(() => simulatorLogins(file)).toThrow(/AQ-01-V/);
    try {
      simulatorLogins(file);
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-pw-1');
    }
  });
});
