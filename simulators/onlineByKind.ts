import type { DeviceHealth } from '../gateway/health/index.js';
import type { InputKind, Registry } from '../gateway/registry/schema.js';

/** Devices online per protocol (Modbus, MQTT, HJ 212), as the gateway's device health sees them. */
export function onlineByKind(registry: Registry, health: DeviceHealth): Record<InputKind, { online: number; total: number }> {
  const out: Record<InputKind, { online: number; total: number }> = { modbus: { online: 0, total: 0 }, mqtt: { online: 0, total: 0 }, hj212: { online: 0, total: 0 } };
  for (const s of registry.sites) {
    for (const d of s.devices) {
      out[d.kind].total++;
      if (health.get(d.id)?.online) out[d.kind].online++;
    }
  }
  return out;
}

/** e.g. "modbus 40/40 · mqtt 10/10 · hj212 5/5 online" */
export function describeOnline(byKind: Record<InputKind, { online: number; total: number }>): string {
  return (Object.entries(byKind) as [InputKind, { online: number; total: number }][])
    .filter(([, c]) => c.total > 0)
    .map(([k, c]) => `${k === 'hj212' ? 'HJ 212 loggers' : k} ${c.online}/${c.total}`)
    .join(' · ') + ' online';
}
