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
    expect(a.sms).toEqual({ site: '明弘集团一企一管排口', pollutant: 'COD超标', value: '650 mg/L', ticket: 'WO-20261126-0001' });
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

  it('names the level in Chinese: 预警 and 管控 tickets say so in WeCom text and SMS, and cite the park rule', () => {
    const warn = codTicket({ rule: 'wp-cod-warn', level: 'warning', peak: 420, limit: { max: 400, standard: '园区预警规则 COD 达限值80% (wp-cod 限值 500 的 80%: 400)' } });
    const w = buildAlert(changeOf('opened', warn), 'opened', registry, T);
    expect(w.text).toBe('【预警】明弘集团一企一管排口 COD 420 mg/L > 400 mg/L (园区预警规则 COD 达限值80% (wp-cod 限值 500 的 80%: 400)) 10:15 工单 WO-20261126-0001 负责人 王青');
    expect(w.sms.pollutant).toBe('COD预警');
    expect(w.high).toBe(false);
    const ro = codTicket({ site: 'RO-01', enterprise: undefined, rule: 'ro-cod', level: 'control', peak: 52, limit: { max: 40, standard: 'GB 3838-2002 表1 V类 COD 40 mg/L (园区基准)' } });
    expect(buildAlert(changeOf('recurred', { ...ro, count: 2 }), 'recurred', registry, T).text).toMatch(/^【管控复发】1#雨水排口 COD 52 mg\/L > 40 mg\/L/);
    const odor = codTicket({ site: 'AQ-01', pollutant: 'a21028', rule: 'aq-h2s', category: 'odor', level: 'warning', peak: 0.2, limit: { max: 0.06, standard: '园区预警规则' } });
    const o = buildAlert(changeOf('opened', odor), 'opened', registry, T);
    expect(o.text).toMatch(/^【预警·异味】/);
    expect(o.sms.pollutant).toBe('硫化氢预警·异味');
    const sustained = buildAlert(changeOf('opened', { ...odor, rule: 'aq-h2s-15min', level: 'exceedance' }), 'opened', registry, T);
    expect(sustained.text).toMatch(/^【超标·异味告警】/);
    expect(sustained.high).toBe(true);
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
