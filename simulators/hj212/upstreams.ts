import type { Registry } from '../../gateway/registry/schema.js';
import { randomSecret } from '../../gateway/secrets/index.js';
import { UpstreamSimulator } from './upstream.js';

/**
 * One upstream-platform simulator per registry upstream, accepting per site the MN the registry gives and
 * a PW it makes up (or the registry's deprecated `pw`); `pws` is what the gateway's secrets file holds for
 * them (hj212.upstreams). On free ports (the returned registry points the gateway at them) unless `fixedPorts`.
 */
export async function startUpstreams(registry: Registry, fixedPorts?: boolean): Promise<{ registry: Registry; sims: Record<string, UpstreamSimulator>; pws: Record<string, Record<string, string>>; close(): Promise<void> }> {
  const sims: Record<string, UpstreamSimulator> = {};
  const pws: Record<string, Record<string, string>> = {};
  const close = async () => {
    for (const s of Object.values(sims)) await s.stop();
  };
  try {
    for (const u of registry.upstreams) {
      const accounts = (pws[u.id] = Object.fromEntries(u.sites.map((s) => [s.mn, s.pw ?? randomSecret(12)])));
      const sim = new UpstreamSimulator({ port: fixedPorts ? u.port : 0, accounts });
      await sim.start();
      sims[u.id] = sim;
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { pws, registry: { ...registry, upstreams: registry.upstreams.map((u) => ({ ...u, host: '127.0.0.1', port: sims[u.id]!.port })) }, sims, close };
}
