import type { Registry } from '../registry/schema.js';
import type { SecretsFile } from './schema.js';

/**
 * The registry with what the secrets file adds to it: each outlet camera's HTTP login (`cameras.<site>`).
 * A login in the secrets file wins over one written in the registry. Sites the file names that have no
 * camera are returned as problems (a typo there would otherwise go unnoticed).
 */
export function applySecrets(registry: Registry, file: Pick<SecretsFile, 'cameras'>): { registry: Registry; problems: { path: string; message: string }[] } {
  const problems: { path: string; message: string }[] = [];
  const known = new Set(registry.sites.filter((s) => s.camera).map((s) => s.id));
  for (const site of Object.keys(file.cameras)) if (!known.has(site)) problems.push({ path: `cameras.${site}`, message: `site ${site} has no camera in the registry` });
  const sites = registry.sites.map((s) => {
    const auth = file.cameras[s.id];
    return auth && s.camera ? { ...s, camera: { ...s.camera, auth } } : s;
  });
  return { registry: { ...registry, sites }, problems };
}
