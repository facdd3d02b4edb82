import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { packetToJson } from '../inputs/hj212/codec/json.js';
import { refused, vectors } from '../inputs/hj212/codec/testing.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tool = join(root, 'gateway/tools/hj212.ts');

/** Run the CLI as `npm run hj212` does (tsx), with `input` on stdin. */
function run(args: string[], input = '') {
  const r = spawnSync(process.execPath, ['--import', 'tsx', tool, ...args], { cwd: root, input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').filter((l) => l !== '') };
}

const table = vectors();
const dir = mkdtempSync(join(tmpdir(), 'hj212-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run hj212 -- decode', () => {
  it('decodes a file of the reference vectors written as in domain.md (literal \\r\\n), exit 0', () => {
    const file = join(dir, 'vectors.txt');
    writeFileSync(file, table.map((v) => v.frame.replace(/\r\n$/, '\\r\\n')).join('\n') + '\n\n');
    const r = run(['decode', file]);
    expect(r.status).toBe(0);
    expect(r.lines.map((l) => JSON.parse(l) as unknown)).toEqual(table.map((v) => packetToJson(v.packet)));
    const first = JSON.parse(r.lines[0] as string) as Record<string, unknown>;
    expect(first).toMatchObject({ ok: true, qn: '20160801085857223', cn: '1062', flag: 5, fields: { RtdInterval: '30' } });
  });

  it('reads stdin (CR LF lines), prints one line per packet with the reason of each refused one, exit 1', () => {
    const bad = refused().filter((e) => ['wrong CRC', 'length one long', 'truncated CP (no closing &&)', 'length field not digits'].includes(e.name));
    expect(bad).toHaveLength(4);
    const input = [table[0]?.frame, ...bad.map((e) => e.frame), table[1]?.frame].join('');
    const r = run(['decode'], input);
    expect(r.status).toBe(1);
    const out = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => o.ok)).toEqual([true, false, false, false, false, true]);
    expect(out.slice(1, 5).map((o) => o.reason)).toEqual(bad.map((e) => e.reason));
    expect(out[1]).toMatchObject({ ok: false, reason: 'bad-crc', line: 2, error: expect.stringContaining('1C80') });
  });
});

describe('npm run hj212 -- encode', () => {
  it('decode output piped into encode reproduces every reference vector byte for byte, exit 0', () => {
    const decoded = run(['decode'], table.map((v) => v.frame).join(''));
    expect(decoded.status).toBe(0);
    const r = run(['encode'], decoded.stdout);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(table.map((v) => v.frame).join(''));
  });

  it('a line that is not a packet is reported on stderr with its reason, the others still encode, exit 1', () => {
    const good = JSON.stringify({ cn: '2011', mn: 'WP01', dataTime: '20240101120000', factors: { w01018: { Rtd: '20.5', Flag: 'N' } }, fields: { Remark: '出口' } });
    const r = run(['encode'], ['{not json', JSON.stringify({ cn: '2011' }), good].join('\n'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^##\d{4}CN=2011;MN=WP01;CP=&&DataTime=20240101120000;Remark=出口;w01018-Rtd=20.5,w01018-Flag=N&&[0-9A-F]{4}\r\n$/);
    const errs = r.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(errs.map((e) => [e.reason, e.line])).toEqual([
      ['bad-json', 1],
      ['bad-packet', 2],
    ]);
  });

  it('bad usage exits 2', () => {
    expect(run(['frobnicate']).status).toBe(2);
  });
});
