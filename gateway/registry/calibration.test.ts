import { describe, expect, it } from 'vitest';
import { CalibrationWindowSchema } from './calibration.js';
import { loadRegistry } from './loader.js';
import { RegistrySchema } from './schema.js';

describe('calibration windows in the registry', () => {
  it('a daily window with defaults: every day, C and M, verified unless said otherwise', () => {
    expect(CalibrationWindowSchema.parse({ at: '02:00', durationMs: 3_600_000 })).toEqual({ at: '02:00', everyMs: 86_400_000, durationMs: 3_600_000, flags: ['C', 'M'], verified: true });
  });

  it('refuses a bad local time, a period that does not divide a day, a window as long as its period, flags other than C/M', () => {
    const issues = (w: object) => CalibrationWindowSchema.safeParse(w).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ at: '24:00', durationMs: 1 })).toEqual(['at']);
    expect(issues({ at: '2:00', durationMs: 1 })).toEqual(['at']);
    expect(issues({ at: '02:00', everyMs: 7 * 3_600_000, durationMs: 1 })).toEqual(['everyMs']);
    expect(issues({ at: '02:00', everyMs: 3_600_000, durationMs: 3_600_000 })).toEqual(['durationMs']);
    expect(issues({ at: '02:00', durationMs: 1, flags: ['D'] })).toEqual(['flags.0']);
  });

  it('the default park schedules its windows on devices, with the numbers it chose marked unverified', () => {
    const r = loadRegistry();
    const windows = r.sites.flatMap((s) => s.devices.flatMap((d) => d.calibration ?? []));
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((w) => w.verified === false && w.standard?.includes('HJ 355'))).toBe(true);
    const bad = structuredClone(r) as unknown as { sites: { devices: { calibration?: unknown }[] }[] };
    bad.sites[0]!.devices[0]!.calibration = [{ at: 'noon', durationMs: 1 }];
    expect(RegistrySchema.safeParse(bad).error?.issues.map((i) => i.path.join('.'))).toEqual(['sites.0.devices.0.calibration.0.at']);
  });
});
