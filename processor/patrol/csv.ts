import type { PatrolSheet, SignOff } from './types.js';
import { localStamp } from './periods.js';

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula (OWASP CSV injection) */
function field(v: unknown): string {
  let s = v === undefined || v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const round = (v: number | undefined, digits = 3) => (v === undefined ? '' : String(Math.round(v * 10 ** digits) / 10 ** digits));

/**
 * The daily report (日报) as CSV: one row per site and factor, with the site's figures and the sign-off
 * remark. UTF-8 with a byte order mark so spreadsheet programs read the Chinese labels; CRLF rows (RFC 4180).
 */
export function sheetCsv(sheet: PatrolSheet, signOffs: readonly SignOff[]): string {
  const from = localStamp(sheet.period.start, sheet.timezone);
  const to = localStamp(sheet.period.end, sheet.timezone);
  const remarkOf = (site: string) => signOffs.map((s) => s.remarks[site]).filter(Boolean).join('; ');
  const signedBy = (officer: string) => signOffs.find((s) => s.officer === officer);
  const rows: unknown[][] = [
    ['巡查表', sheet.id, '时段', `${from.date} ${from.time}`, `${to.date} ${to.time}`],
    ['站点', '名称', '企业', '包联干部', '数据完整率%', '在线率%', '离线设备', '阀门状态', '排口抓拍', '新开工单', '未关闭工单', '因子', '名称', '单位', '接收数', '有效数', '最小值', '有效均值', '最大值', '限值', '超标次数', '预警次数', '恒值', '签收人', '签收时间', '备注'],
  ];
  for (const s of sheet.sites) {
    const signed = signedBy(s.officer);
    const at = signed ? localStamp(signed.at, sheet.timezone) : undefined;
    const site = [s.site, s.name, s.enterpriseName ?? '', s.officer, s.completeness, s.online, s.offlineDevices.join(' '), s.valve ? (s.valve.value ? '开' : '关') : '', !s.snapshot ? '' : 'id' in s.snapshot ? s.snapshot.id : `失败: ${s.snapshot.failed}`, s.ticketsOpened.join(' '), s.ticketsOpen.join(' ')];
    const tail = [signed?.by ?? '', at ? `${at.date} ${at.time}` : '', remarkOf(s.site)];
    const factors = s.factors.length ? s.factors : [undefined];
    for (const f of factors) {
      const l = f?.limit;
      const limit = !l ? '' : l.min !== undefined && l.max !== undefined ? `${l.min}~${l.max}` : l.max !== undefined ? `≤${l.max}` : `≥${l.min}`;
      rows.push([...site, f?.pollutant ?? '', f?.nameZh ?? '', f?.unit ?? '', f?.received ?? '', f?.valid ?? '', round(f?.min), round(f?.mean), round(f?.max), limit, f?.exceedances ?? '', f?.warnings ?? '', f?.flatlined ? '是' : '', ...tail]);
    }
  }
  return '\uFEFF' + rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}
