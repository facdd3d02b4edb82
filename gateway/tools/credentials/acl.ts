import type { Registry } from '../../registry/schema.js';

/** How devices log in to the broker: one user per MQTT device (its id), or one per station (the site id) for all its MQTT devices. */
export type UserMode = 'device' | 'station';

export interface BrokerUser {
  username: string;
  /** the topics this user may publish to: `<prefix>/<site>/<device>/data` of its own device(s) */
  publish: string[];
}

const prefixOf = (r: Registry) => r.inputs.mqtt.topicPrefix.replace(/\/+$/, '');

/** The registry's MQTT device users and their topics (sites without MQTT devices have none). */
export function brokerUsers(registry: Registry, mode: UserMode): BrokerUser[] {
  const prefix = prefixOf(registry);
  const users: BrokerUser[] = [];
  for (const site of registry.sites) {
    const devices = site.devices.filter((d) => d.kind === 'mqtt');
    if (devices.length === 0) continue;
    const topics = devices.map((d) => `${prefix}/${site.id}/${d.id}/data`);
    if (mode === 'station') users.push({ username: site.id, publish: topics });
    else devices.forEach((d, i) => users.push({ username: d.id, publish: [topics[i]!] }));
  }
  return users;
}

/** The HJ 212 data loggers' MNs (HJ 212-2017 §6.3.2), each with its site. */
export function loggerMns(registry: Registry): { mn: string; site: string }[] {
  return registry.sites.flatMap((s) => s.devices.flatMap((d) => (d.kind === 'hj212' ? [{ mn: d.mn, site: s.id }] : [])));
}

/**
 * Mosquitto's ACL file (man 5 mosquitto.conf, "acl_file"), generated from the registry: the gateway
 * user reads `<prefix>/#`; each device (or station) user writes its own `<prefix>/<site>/<device>/data`
 * and nothing else — no read, no other topic, no `pattern` lines that would apply to every user.
 * Anything not granted here is denied (Mosquitto denies by default once an ACL file is set).
 */
export function mosquittoAcl(registry: Registry, mode: UserMode, gatewayUser: string): string {
  const lines = [
    '# Generated from the park registry by `npm run credentials -- --acl-only`: do not edit by hand.',
    '# The gateway reads every data topic; each device writes its own data topic only.',
    '',
    `user ${gatewayUser}`,
    `topic read ${prefixOf(registry)}/#`,
  ];
  for (const u of brokerUsers(registry, mode)) {
    lines.push('', `user ${u.username}`);
    for (const t of u.publish) lines.push(`topic write ${t}`);
  }
  return lines.join('\n') + '\n';
}
