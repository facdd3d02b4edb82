import type { Registry } from '../../gateway/registry/schema.js';
import { UpstreamSimulator } from './upstream.js';

/**
 * One upstream-platform simulator per registry upstream, accepting the MN/PW the registry gives per site;
 * on free ports (the returned registry points the gateway at them) unless `fixedPorts`.
 */
export async function startUpstreams(registry: Registry, fixedPorts?: boolean): Promise<{ registry: Registry; sims: Record<string, UpstreamSimulator>; close(): Promise<void> }> {
  const sims: Record<string, UpstreamSimulator> = {};
  const close = async () => {
    for (const s of Object.values(sims)) await s.stop();
  };
  try {
    for (const u of registry.upstreams) {
      const sim = new UpstreamSimulator({ port: fixedPorts ? u.port : 0, accounts: Object.fromEntries(u.sites.map((s) => [s.mn, s.pw])) });
      await sim.start();
      sims[u.id] = sim;
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { registry: { ...registry, upstreams: registry.upstreams.map((u) => ({ ...u, host: '127.0.0.1', port: sims[u.id]!.port })) }, sims, close };
}
