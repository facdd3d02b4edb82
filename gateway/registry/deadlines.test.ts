import { describe, expect, it } from 'vitest';
import { AlertsConfigSchema } from './alerts.js';
import { loadRegistry } from './loader.js';
import { EnterpriseSchema } from './parts.js';

const HOUR = 3_600_000;

describe('registry: deadlines, overdue alerts and the enterprises’ fault contacts', () => {
  it('defaults deadlines to 24 / 48 / 72 h by level, overdue and fault contacts on; the bundled park names contacts for some enterprises', () => {
    const c = AlertsConfigSchema.parse({});
    expect(c.deadlines).toEqual({ exceedance: 24 * HOUR, control: 48 * HOUR, warning: 72 * HOUR });
    expect(c.overdue).toEqual({ enabled: true, catchUpMs: 7 * 24 * HOUR });
    expect(c.faults).toEqual({ enabled: true, on: ['opened', 'recurred'] });
    expect(c.routes.overdue).toEqual(['wecom', 'sms']);
    const park = loadRegistry();
    expect(park.enterprises.find((e) => e.id === 'E-01')).toMatchObject({ contact: { name: '陈建国' }, maintainer: { company: '武汉清源环境监测运维有限公司' } });
    expect(park.enterprises.filter((e) => e.contact || e.maintainer).length).toBeGreaterThanOrEqual(3);
  });

  it('says where and why a deadline or a contact is wrong', () => {
    const d = AlertsConfigSchema.safeParse({ deadlines: { exceedance: -1, urgent: 5 } });
    expect(d.success).toBe(false);
    expect(d.error!.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['deadlines.exceedance', 'deadlines']));
    const e = EnterpriseSchema.safeParse({ id: 'E-01', name: '明弘集团', officer: 'OF-01', maintainer: { company: '运维', name: '周涛', mobile: '12345' } });
    expect(e.success).toBe(false);
    expect(e.error!.issues[0]).toMatchObject({ path: ['maintainer', 'mobile'], message: 'an 11-digit mainland mobile number' });
  });
});
