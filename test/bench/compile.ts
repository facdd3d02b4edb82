import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

/**
 * The benchmark's child processes (gateway, publishers, broker, simulators) run compiled JavaScript
 * with plain `node`, as production does (issue 8: `tsx` is for development): the loader thread and
 * on-the-fly transpiling of tsx would otherwise count as the gateway's CPU and memory.
 *
 * Every TypeScript file the children import (gateway/, processor/, simulators/, test/helpers/,
 * test/bench/) is transpiled one to one into test/bench/out/js/ under the same relative path, with
 * the non-TypeScript files beside them (park.yaml …), so relative imports and `import.meta.url`
 * look-ups resolve as in the source tree, and node_modules resolves from the repository root.
 * esbuild (the transpiler tsx itself uses) does this in about a second; it runs at every start.
 */
const SOURCES = ['gateway', 'processor', 'simulators', 'test/helpers', 'test/bench'];

function walk(root: string, dir: string, out: { ts: string[]; assets: string[] }): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const rel = relative(root, p);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || rel === join('test', 'bench', 'out') || rel === join('test', 'bench', 'charts')) continue;
      walk(root, p, out);
    } else if (e.name.endsWith('.test.ts') || e.name.endsWith('.d.ts')) continue;
    else if (e.name.endsWith('.ts')) out.ts.push(p);
    else if (!e.name.endsWith('.md')) out.assets.push(p);
  }
}

/** Transpiles the sources into `<root>/test/bench/out/js`; returns that directory. */
export async function compileBench(root: string): Promise<string> {
  const outdir = join(root, 'test', 'bench', 'out', 'js');
  rmSync(outdir, { recursive: true, force: true });
  const files = { ts: [] as string[], assets: [] as string[] };
  for (const s of SOURCES) if (existsSync(join(root, s))) walk(root, join(root, s), files);
  await build({ entryPoints: files.ts, outdir, outbase: root, bundle: false, platform: 'node', format: 'esm', target: 'node20', sourcemap: false, logLevel: 'error' });
  for (const a of files.assets) cpSync(a, join(outdir, relative(root, a)));
  return outdir;
}
