import { describe, expect, it } from 'vitest';
import { loadRegistry } from './loader.js';
import { ExceedanceRuleSchema } from './rules.js';

describe('default park registry: rain outlets', () => {
  const r = loadRegistry();
  const outlets = r.sites.filter((s) => s.kind === 'rain_outlet');

  it('gives each of the nine outlets a loopback camera snapshot URL and a gate-state channel (w99002)', () => {
    expect(outlets).toHaveLength(9);
    for (const s of outlets) {
      expect(s.camera?.snapshotUrl).toBe(`http://127.0.0.1:15301/${s.id}/snapshot.jpg`);
      expect(s.camera?.timeoutMs).toBe(5000);
      const d = s.devices[0]!;
      expect(d.kind === 'modbus' && r.inputs.modbus.maps[d.map]!.channels.some((c) => c.pollutant === 'w99002')).toBe(true);
      // recorded only: the park does not switch an outlet gate
      expect(d.kind === 'modbus' && r.inputs.modbus.maps[d.map]!.valve).toBeFalsy();
    }
  });

  it('judges outlet quality in rain mode, with a 20-min first flush and 60-min rain-event gap marked unverified', () => {
    for (const id of ['ro-cod', 'ro-nh3n', 'ro-ph']) expect(r.rules.find((x) => x.id === id)).toMatchObject({ rainMode: true });
    expect(r.rules.find((x) => x.id === 'ro-dry-flow')).toMatchObject({ rainAbove: 0, rainEventGapMs: 3_600_000, firstFlushMs: 1_200_000, verified: false });
  });

  it('refuses rainMode on a rule that is not a rain-outlet rule', () => {
    const rule = { id: 'x', type: 'exceedance', siteKind: 'wastewater_pipe', pollutant: 'w01018', max: 500, standard: 'GB/T 31962-2015', rainMode: true };
    const res = ExceedanceRuleSchema.safeParse(rule);
    expect(res.success).toBe(false);
    expect(res.error?.issues[0]).toMatchObject({ path: ['rainMode'], message: 'rainMode applies to rain-outlet rules only' });
    expect(ExceedanceRuleSchema.safeParse({ ...rule, siteKind: 'rain_outlet' }).success).toBe(true);
  });
});
