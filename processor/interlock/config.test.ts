import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, DEFAULT_REGISTRY_PATH, loadRegistry, parseRegistry } from '../../gateway/registry/loader.js';
import { valvePoints } from './index.js';

type Doc = {
  inputs: { modbus: { maps: Record<string, { valve?: unknown; channels: { pollutant: string }[] }> } };
  sites: { id: string; interlock?: { enabled: boolean } }[];
};

const parkDoc = (): Doc => parse(readFileSync(DEFAULT_REGISTRY_PATH, 'utf8')) as Doc;

function problems(doc: Doc): { path: string; message: string }[] {
  try {
    parseRegistry(doc);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('valve configuration', () => {
  it('the default park has a valve control point on each pipe map, and four interlocked pipes', () => {
    const r = loadRegistry();
    expect(r.inputs.modbus.maps['wp-pipe-a']?.valve).toEqual({ table: 'coil', address: 0, openValue: 1, closedValue: 0 });
    expect(r.inputs.modbus.maps['wp-pipe-b']?.valve).toEqual({ table: 'coil', address: 0, openValue: 1, closedValue: 0 });
    expect(r.inputs.modbus.maps['wp-pipe-c']?.valve).toEqual({ table: 'holding', address: 54, bit: 0, openValue: 1, closedValue: 0 });
    expect([...valvePoints(r).values()].map((p) => `${p.site}:${p.device}`)).toEqual(['WP-01:WP-01-M', 'WP-02:WP-02-M', 'WP-09:WP-09-M', 'WP-13:WP-13-M']);
  });

  it('an interlock on a pipe whose map has no valve is a config error', () => {
    const doc = parkDoc();
    delete doc.inputs.modbus.maps['wp-pipe-a']!.valve;
    const i = doc.sites.findIndex((s) => s.id === 'WP-01');
    expect(problems(doc)).toContainEqual({ path: `sites[${i}].interlock`, message: expect.stringMatching(/no Modbus device of the site has a register map with a "valve"/) });
  });

  it('a valve needs a w99002 read-back channel, a coil has no bit, a bit is 0 or 1', () => {
    const doc = parkDoc();
    const a = doc.inputs.modbus.maps['wp-pipe-a']!;
    a.channels = a.channels.filter((c) => c.pollutant !== 'w99002');
    doc.inputs.modbus.maps['wp-pipe-b']!.valve = { table: 'coil', address: 0, bit: 3 };
    doc.inputs.modbus.maps['wp-pipe-c']!.valve = { table: 'holding', address: 54, bit: 0, openValue: 2 };
    const p = problems(doc);
    expect(p).toContainEqual({ path: 'inputs.modbus.maps.wp-pipe-a.valve', message: expect.stringMatching(/w99002/) });
    expect(p).toContainEqual({ path: 'inputs.modbus.maps.wp-pipe-b.valve.bit', message: expect.stringMatching(/coil is a single bit/) });
    expect(p).toContainEqual({ path: 'inputs.modbus.maps.wp-pipe-c.valve.openValue', message: 'a single bit is 0 or 1' });
  });
});
