import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { alertKindOf, buildAlert, formatValue } from './format.js';
import { changeOf, codTicket, COD_STANDARD, T } from './testing/fixtures.js';

const registry = loadRegistry();

describe('alert text', () => {
  it('an opened exceedance names site, value against limit, standard, time, ticket and officer from the registry', () => {
    const a = buildAlert(changeOf('opened'), 'opened', registry, T);
    expect(a.text).toBe(`【超标告警】明弘集团一企一管排口 COD 650 mg/L > 500 mg/L (${COD_STANDARD}) 10:15 工单 WO-20261126-0001 负责人 王青`);
    expect(a.officer?.mobile).toBe('13800001101');
    expect(a.high).toBe(true);
    expect(a.key).toBe('WO-20261126-0001|opened');
    expect(a.sms).toEqual({ site: '明弘集团一企一管排口', pollutant: 'COD', value: '650 mg/L', ticket: 'WO-20261126-0001' });
  });

  it('an over-range value (flag T) reads as a lower bound: ≥ 1000 mg/L (超量程)', () => {
    const t = codTicket({ peak: 1000, mean: 1000 });
    const c = changeOf('opened', t);
    c.event = { ...c.event!, value: 1000, context: { lowerBound: true } };
    const a = buildAlert(c, 'opened', registry, T);
    expect(a.text).toBe(`【超标告警】明弘集团一企一管排口 COD ≥ 1000 mg/L (超量程) > 500 mg/L (${COD_STANDARD}) 10:15 工单 WO-20261126-0001 负责人 王青`);
    expect(a.sms.value).toBe('≥ 1000 mg/L (超量程)');
  });

  it('a valve escalation (the interlock did not shut it again) alerts the officer: a person must act', () => {
    const c = changeOf('evidence', codTicket(), {
      evidence: { at: T, kind: 'valve', data: { kind: 'escalate', error: 'valve reopened while the exceedance persists, after 3 re-shuts in this episode; not shut again: a person must act' } },
    });
    expect(alertKindOf(c)).toBe('escalated');
    expect(alertKindOf(changeOf('evidence', codTicket(), { evidence: { at: T, kind: 'valve', data: { kind: 'valve-close' } } }))).toBeUndefined();
    const a = buildAlert(c, 'escalated', registry, T);
    expect(a.text).toBe(
      '【阀门告警】明弘集团一企一管排口 COD 超标 阀门未自动关闭，请现场处置 (valve reopened while the exceedance persists, after 3 re-shuts in this episode; not shut again: a person must act) 10:15 工单 WO-20261126-0001 负责人 王青',
    );
    expect(a.high).toBe(true);
    expect(a.sms.value).toBe('阀门需人工处置');
  });

  it('a recurrence says which occurrence it is; a lower limit (pH) is shown as <', () => {
    const t = codTicket({ pollutant: 'w01001', rule: 'wp-ph', count: 3, peak: 5.2, limit: { min: 6.5, max: 9.5, standard: 'GB/T 31962-2015 表1 pH 6.5-9.5' } });
    const a = buildAlert(changeOf('recurred', t), 'recurred', registry, T);
    expect(a.text).toBe('【超标复发】明弘集团一企一管排口 pH 5.2 < 6.5 (GB/T 31962-2015 表1 pH 6.5-9.5) 第3次 10:15 工单 WO-20261126-0001 负责人 王青');
  });

  it('device-level tickets say what is wrong, in Chinese, without a value; they are low priority', () => {
    const t = codTicket({ pollutant: '*', rule: 'no-data', category: 'no-data', peak: undefined, limit: undefined, site: 'RO-01', enterprise: undefined, officer: 'OF-01' });
    const a = buildAlert(changeOf('opened', t), 'opened', registry, T);
    expect(a.text).toMatch(/^【数据中断告警】1#雨水排口 设备无数据 10:15 工单 WO-20261126-0001 负责人 王青$/);
    expect(a.high).toBe(false);
  });

  it('cleared and closed tickets get follow-up texts', () => {
    expect(buildAlert(changeOf('cleared'), 'cleared', registry, T).text).toBe('【超标恢复】明弘集团一企一管排口 COD 已恢复正常，验证期 24 小时 10:15 工单 WO-20261126-0001 负责人 王青');
    const closed = changeOf('transitioned', codTicket({ status: 'closed' }), { history: { at: T, actor: '王青', from: 'awaiting_verification', to: 'closed' } });
    expect(alertKindOf(closed)).toBe('closed');
    expect(buildAlert(closed, 'closed', registry, T).text).toBe('【工单闭环】明弘集团一企一管排口 COD超标 已闭环 (王青) 10:15 工单 WO-20261126-0001 负责人 王青');
  });

  it('only opened, recurred, cleared, closed and reopened changes alert', () => {
    expect(alertKindOf(changeOf('updated'))).toBeUndefined();
    expect(alertKindOf(changeOf('evidence'))).toBeUndefined();
    expect(alertKindOf(changeOf('transitioned', codTicket(), { history: { at: T, actor: 'x', from: 'open', to: 'acknowledged' } }))).toBeUndefined();
    expect(alertKindOf(changeOf('transitioned', codTicket(), { history: { at: T, actor: 'x', from: 'closed', to: 'open' } }))).toBe('reopened');
  });

  it('formats values for people', () => {
    expect(formatValue(650)).toBe('650');
    expect(formatValue(58.234)).toBe('58.23');
    expect(formatValue(0.0712)).toBe('0.0712');
    expect(formatValue(12345.6)).toBe('12346');
  });
});
