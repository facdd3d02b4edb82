import { describe, expect, it } from 'vitest';
import { MqttPayloadSchema, type MqttDevice } from '../../gateway/inputs/mqtt/config.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { ParkSignals } from '../signals.js';
import { devicePayload } from './index.js';

const registry = loadRegistry();
const ws = registry.sites.find((s) => s.id === 'WS-01')!.devices[0] as MqttDevice;
const at = Date.parse('2026-11-25T06:30:00.000Z');

describe('devicePayload', () => {
  it('carries every channel from the signals at one instant, valid for the input schema', () => {
    const signals = new ParkSignals(registry, () => at);
    const p = devicePayload(signals, 'WS-01', ws, at, at);
    expect(MqttPayloadSchema.safeParse(p).success).toBe(true);
    expect(p.ts).toBe('2026-11-25T06:30:00.000Z');
    // values follow the simulated clock, the stamp the device's wall clock
    const fast = devicePayload(signals, 'WS-01', ws, at, at + 5_000);
    expect(fast.ts).toBe('2026-11-25T06:30:05.000Z');
    expect(fast.values).toEqual(p.values);
    expect(Object.keys(p.values)).toEqual(ws.channels);
    for (const code of ws.channels) expect(p.values[code]).toBe(signals.value('WS-01', code, at));
    expect(p.flags).toBeUndefined();
  });

  it('sends flags other than N, per channel or for the whole site', () => {
    const signals = new ParkSignals(registry, () => at);
    signals.setFlag('AQ-01', 'C', 'a21028');
    const aq = registry.sites.find((s) => s.id === 'AQ-01')!.devices[0] as MqttDevice;
    expect(devicePayload(signals, 'AQ-01', aq).flags).toEqual({ a21028: 'C' });
    signals.setFlag('AQ-01', 'D');
    expect(devicePayload(signals, 'AQ-01', aq).flags).toEqual({ a24088: 'D', a21028: 'C', a21001: 'D', a99001: 'D' });
  });
});
