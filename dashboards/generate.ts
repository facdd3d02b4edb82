import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRegistry } from '../gateway/registry/loader.js';
import type { Registry } from '../gateway/registry/schema.js';
import { allDashboards } from './src/boards.js';

/** The provisioning files as they are committed: two-space JSON and a final newline. */
export function renderDashboards(registry: Registry): Record<string, string> {
  return Object.fromEntries(Object.entries(allDashboards(registry)).map(([file, d]) => [file, `${JSON.stringify(d, null, 2)}\n`]));
}

export const JSON_DIR = fileURLToPath(new URL('./json/', import.meta.url));

/** `npm run dashboards`: writes dashboards/json from gateway/registry/park.yaml and removes files no dashboard has any more. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = renderDashboards(loadRegistry());
  for (const f of readdirSync(JSON_DIR)) if (f.endsWith('.json') && !(f in files)) rmSync(`${JSON_DIR}${f}`);
  for (const [f, text] of Object.entries(files)) writeFileSync(`${JSON_DIR}${f}`, text);
  console.log(`wrote ${Object.keys(files).length} dashboards to ${JSON_DIR}`);
}
