import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { startBroker } from '../../test/helpers/broker.js';
import { waitFor } from '../../test/helpers/wait.js';
import { createLoadGenerator, loadPark } from './index.js';

let broker: Awaited<ReturnType<typeof startBroker>>;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.close();
});

const park = loadPark(loadRegistry());

/** every message on the park's topics, as (topic, payload) */
async function listen() {
  const got: { topic: string; ts: number; values: Record<string, number> }[] = [];
  const c = await mqtt.connectAsync(broker.url, { clientId: `load-listener-${Date.now()}`, protocolVersion: 4 });
  await c.subscribeAsync('park/v1/#', { qos: 1 });
  c.on('message', (topic, payload) => got.push({ topic, ...(JSON.parse(payload.toString()) as { ts: number; values: Record<string, number> }) }));
  return { got, close: () => c.endAsync() };
}

describe('load generator', () => {
  it('loadPark keeps only MQTT sites and devices, no rules, and ranges that hold sequence numbers', () => {
    expect(park.sites.map((s) => s.id)).toEqual([...Array.from({ length: 9 }, (_, i) => `AQ-0${i + 1}`), 'WS-01']);
    expect(park.sites.every((s) => s.devices.every((d) => d.kind === 'mqtt'))).toBe(true);
    expect(park.rules).toEqual([]);
    expect(park.pollutants.a21028!.max).toBeGreaterThanOrEqual(1e12);
  });

  for (const shape of ['full', 'single'] as const) {
    it(`${shape}: produced() counts what the broker acknowledged; per series the values run 1, 2, 3 … with increasing timestamps`, async () => {
      const sub = await listen();
      const gen = createLoadGenerator({ url: broker.url, registry: park, rate: 3000, durationMs: 1500, shape });
      await gen.start();
      await gen.done;
      const produced = gen.produced();
      expect(produced).toBeGreaterThan(500);
      const readings = () => sub.got.reduce((n, m) => n + Object.keys(m.values).length, 0);
      await waitFor(() => readings() >= produced, `${produced} readings at the listener`, 5000, 50).catch(() => undefined);
      await sub.close();
      expect(readings()).toBe(produced);
      expect(sub.got.every((m) => Object.keys(m.values).length === (shape === 'full' ? (m.topic.includes('WS-01') ? 5 : 4) : 1))).toBe(true);
      const series = new Map<string, { ts: number; v: number }[]>();
      for (const m of sub.got) for (const [code, v] of Object.entries(m.values)) series.set(`${m.topic}/${code}`, [...(series.get(`${m.topic}/${code}`) ?? []), { ts: m.ts, v }]);
      expect(series.size).toBe(41);
      for (const points of series.values()) {
        expect(points.map((p) => p.v)).toEqual(points.map((_, i) => i + 1));
        expect(points.every((p, i) => i === 0 || p.ts > points[i - 1]!.ts)).toBe(true);
      }
      expect([...gen.perSeries().values()].reduce((a, b) => a + b, 0)).toBe(produced);
    });
  }
});
