import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { RegistrySchema, type Registry } from './schema.js';

export const DEFAULT_REGISTRY_PATH = fileURLToPath(new URL('./park.yaml', import.meta.url));

export interface ConfigProblem {
  path: string;
  message: string;
}

/** Invalid configuration: carries every problem found, each with its path. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid configuration in ${source}: ${problems.length} problem(s)\n` + problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/** Validate an already-parsed document; every zod issue is reported, not just the first. */
export function parseRegistry(doc: unknown, source = '<registry>'): Registry {
  const result = RegistrySchema.safeParse(doc);
  if (!result.success) throw new ConfigError(source, result.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })));
  return result.data;
}

export function loadRegistry(file = DEFAULT_REGISTRY_PATH): Registry {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `YAML syntax: ${(err as Error).message}` }]);
  }
  return parseRegistry(doc, file);
}

/** JSON schema for editors (yaml-language-server); generated from the one zod schema. */
export function registryJsonSchema(): unknown {
  return z.toJSONSchema(RegistrySchema, { io: 'input', unrepresentable: 'any' });
}
