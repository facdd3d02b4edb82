import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';

/** The registries the benchmark runs: the default park, isolated on a shared broker, and a park scaled to N Modbus devices. */

/** The default park with its own MQTT topic prefix and client id (a shared broker such as Mosquitto sees no collision). */
export function benchPark(tag: string, edit: (r: Registry) => void = () => {}): Registry {
  const r = structuredClone(loadRegistry());
  r.inputs.mqtt.topicPrefix = `bench/${tag}/park/v1`;
  r.inputs.mqtt.clientId = `park-gateway-bench-${tag}`;
  edit(r);
  // an upstream platform forwards only the sites the bench park still has (the registry refuses unknown ones)
  const kept = new Set(r.sites.map((s) => s.id));
  r.upstreams = r.upstreams.map((u) => ({ ...u, sites: u.sites.filter((s) => kept.has(s.site)) })).filter((u) => u.sites.length > 0);
  return r;
}

/** The default park's MQTT stations only (fence-line and weather), every rule kept: the side-by-side run has no Modbus simulators. */
export function mqttPark(tag: string): Registry {
  return benchPark(tag, (r) => {
    r.sites = r.sites.filter((s) => s.devices.every((d) => d.kind === 'mqtt'));
    r.inputs.modbus.lines = [];
  });
}

/** Devices per generated Modbus TCP line (unit ids 1..UNITS_PER_LINE; Modbus allows 1..247). */
const UNITS_PER_LINE = 200;

/**
 * The default park with every Modbus device at `intervalMs`, plus extra Modbus TCP devices up to `n`
 * in total. Extra devices are rain-outlet stations (their sites' own register maps) on generated TCP
 * lines, spread over the rain outlets RO-01..RO-09, so they run the same rules as the park's own.
 */
export function modbusPark(tag: string, n: number, intervalMs = 1000): Registry {
  return benchPark(tag, (r) => {
    const sites = r.sites.filter((s) => s.kind === 'rain_outlet');
    let count = 0;
    for (const s of r.sites)
      for (const d of s.devices)
        if (d.kind === 'modbus') {
          d.intervalMs = intervalMs;
          count++;
        }
    for (let i = 0; count < n; i++, count++) {
      const site = sites[i % sites.length]!;
      const template = site.devices.find((d) => d.kind === 'modbus');
      if (!template || template.kind !== 'modbus') throw new Error(`site ${site.id} has no Modbus device to copy`);
      const line = `bench-tcp-${Math.floor(i / UNITS_PER_LINE) + 1}`;
      if (!r.inputs.modbus.lines.some((l) => l.id === line)) r.inputs.modbus.lines.push({ id: line, transport: 'tcp', host: '127.0.0.1', port: 0 });
      site.devices.push({ ...template, id: `${site.id}-X${String(i + 1).padStart(4, '0')}`, line, unitId: (i % UNITS_PER_LINE) + 1, intervalMs });
    }
  });
}

/** Line transport of each Modbus device (for jitter by transport). */
export function transports(r: Registry): Map<string, 'tcp' | 'rtu'> {
  const lines = new Map(r.inputs.modbus.lines.map((l) => [l.id, l.transport]));
  return new Map(r.sites.flatMap((s) => s.devices.flatMap((d) => (d.kind === 'modbus' ? [[d.id, lines.get(d.line) ?? 'tcp'] as const] : []))));
}
