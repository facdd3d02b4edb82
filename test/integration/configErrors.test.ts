import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadRegistry } from '../../gateway/registry/loader.js';

const fixture = fileURLToPath(new URL('../fixtures/config-errors/bad-park.yaml', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

const expected: [string, RegExp][] = [
  ['officers[0].mobile', /11-digit/],
  ['enterprises[0].officer', /unknown officer "OF-09"/],
  ['officers[0]', /covers 0 enterprises/],
  ['inputs.modbus.maps.overlap.channels[1]', /overlaps channel w01018 at holding register 1/],
  ['sites[0].enterprise', /belongs to an enterprise/],
  ['sites[0].devices[0].line', /unknown Modbus line "tcp-9"/],
  ['sites[0].devices[1].kind', /Expected 'modbus' \| 'mqtt'/],
];

describe('invalid park configuration', () => {
  it('lists every problem with its path', () => {
    let err: unknown;
    try {
      loadRegistry(fixture);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    for (const [path, msg] of expected) {
      expect(problems.find((p) => p.path === path && msg.test(p.message)), `${path} ${msg}`).toBeDefined();
    }
  });

  it('stops start-up with exit code 2 and prints each problem', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile('npx', ['tsx', 'gateway/main.ts'], { cwd: root, env: { ...process.env, PARK_CONFIG: fixture, LOG_LEVEL: 'silent' }, timeout: 30_000 }, (error, _out, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(code).toBe(2);
    for (const [path] of expected) expect(stderr).toContain(path);
  });

  it('a missing file is a configuration error, not a crash', () => {
    expect(() => loadRegistry('/nonexistent/park.yaml')).toThrow(/cannot read file/);
  });
});
