import ExcelJS from 'exceljs';
import { localStamp, zoneOffsetMs } from './periods.js';
import type { FactorRow, PatrolSheet, SignOff, SiteSheet } from './types.js';

/** the summary sheet's columns: officers' Chinese headers, key, width, number format */
export const SUMMARY_COLUMNS = [
  ['站点编号', 'site', 10],
  ['站点名称', 'name', 24],
  ['企业', 'enterprise', 16],
  ['包联干部', 'officer', 10],
  ['数据完整率(%)', 'completeness', 12, '0.00'],
  ['在线率(%)', 'online', 10, '0.00'],
  ['超标次数', 'exceedances', 9, '0'],
  ['预警次数', 'warnings', 9, '0'],
  ['离线设备', 'offline', 14],
  ['恒值因子', 'flatlined', 14],
  ['新开工单', 'opened', 20],
  ['未关闭工单', 'open', 20],
  ['阀门状态', 'valve', 9],
  ['排口抓拍', 'snapshot', 26],
  ['签收人', 'signedBy', 10],
  ['签收时间', 'signedAt', 17, 'yyyy-mm-dd hh:mm'],
  ['备注', 'remarks', 30],
] as const;

/** each officer part's sheet: one row per site and factor */
export const FACTOR_COLUMNS = [
  ['企业', 'enterprise', 16],
  ['站点编号', 'site', 10],
  ['站点名称', 'name', 24],
  ['因子编码', 'pollutant', 10],
  ['因子', 'nameZh', 14],
  ['单位', 'unit', 8],
  ['接收数', 'received', 8, '0'],
  ['有效数', 'valid', 8, '0'],
  ['最小值', 'min', 10, '0.000'],
  ['有效均值', 'mean', 10, '0.000'],
  ['最大值', 'max', 10, '0.000'],
  ['限值', 'limit', 12],
  ['超标次数', 'exceedances', 9, '0'],
  ['预警次数', 'warnings', 9, '0'],
  ['恒值', 'flatlined', 6],
] as const;

type Columns = readonly (readonly [string, string, number, string?])[];

/** an instant as a spreadsheet date showing the park-local wall time (spreadsheets have no time zones) */
export const localDate = (t: number, timeZone: string): Date => new Date(t + zoneOffsetMs(t, timeZone));

export const limitText = (l: FactorRow['limit']): string => (!l ? '' : l.min !== undefined && l.max !== undefined ? `${l.min}~${l.max}` : l.max !== undefined ? `≤${l.max}` : `≥${l.min}`);

/** a worksheet name: at most 31 characters, none of []:*?/\ */
const sheetName = (s: string) => s.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);

function addTable(wb: ExcelJS.Workbook, name: string, title: string, columns: Columns, rows: Record<string, unknown>[]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(sheetName(name), { views: [{ state: 'frozen', ySplit: 2, xSplit: 2 }] });
  ws.mergeCells(1, 1, 1, columns.length);
  ws.getCell(1, 1).value = title;
  ws.getCell(1, 1).font = { bold: true, size: 13 };
  const header = ws.getRow(2);
  columns.forEach(([label, , width, fmt], i) => {
    header.getCell(i + 1).value = label;
    const col = ws.getColumn(i + 1);
    col.width = width;
    if (fmt) col.numFmt = fmt;
  });
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  for (const r of rows) ws.addRow(columns.map(([, key]) => r[key] ?? null));
  ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: columns.length } };
  return ws;
}

function siteRow(s: SiteSheet, signed: SignOff | undefined, tz: string, officerName: string): Record<string, unknown> {
  const snap = s.snapshot;
  return {
    site: s.site,
    name: s.name,
    enterprise: s.enterpriseName ?? '',
    officer: officerName,
    completeness: s.completeness,
    online: s.online,
    exceedances: s.exceedances,
    warnings: s.warnings,
    offline: s.offlineDevices.join(' '),
    flatlined: s.flatlinedFactors.join(' '),
    opened: s.ticketsOpened.join(' '),
    open: s.ticketsOpen.join(' '),
    valve: s.valve ? (s.valve.value ? '开' : '关') : '',
    snapshot: !snap ? '' : 'id' in snap ? snap.id : `失败: ${snap.failed}`,
    signedBy: signed?.by ?? '',
    signedAt: signed ? localDate(signed.at, tz) : null,
    remarks: signed?.remarks[s.site] ?? '',
  };
}

function factorRows(s: SiteSheet): Record<string, unknown>[] {
  return s.factors.map((f) => ({ enterprise: s.enterpriseName ?? '', site: s.site, name: s.name, pollutant: f.pollutant, nameZh: f.nameZh, unit: f.unit, received: f.received, valid: f.valid, min: f.min, mean: f.mean, max: f.max, limit: limitText(f.limit), exceedances: f.exceedances, warnings: f.warnings, flatlined: f.flatlined ? '是' : '' }));
}

/**
 * The 日报 as a workbook the office files: the summary sheet (park, period, one row per site with
 * completeness, online %, exceedances, warnings, devices offline, tickets, valve, outlet snapshot, who
 * signed when and the remark), then one sheet per officer part (their enterprises first) with a row per
 * site and factor. Numbers are numbers with formats; the header rows are frozen.
 */
export function sheetWorkbook(sheet: PatrolSheet, signOffs: readonly SignOff[], parkName: string): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = parkName;
  wb.created = new Date(sheet.producedAt);
  const tz = sheet.timezone;
  const from = localStamp(sheet.period.start, tz);
  const to = localStamp(sheet.period.end, tz);
  const due = localStamp(sheet.dueAt, tz);
  const period = `${from.date} ${from.time} 至 ${to.date} ${to.time}`;
  const names = new Map(sheet.officers.map((p) => [p.officer, p.name]));
  const signedBy = new Map(signOffs.map((s) => [s.officer, s]));
  const bySite = new Map(sheet.sites.map((s) => [s.site, s]));
  addTable(wb, '汇总', `${parkName} 巡查日报 ${sheet.id}  时段 ${period}  签收时限 ${due.date} ${due.time}`, SUMMARY_COLUMNS, sheet.sites.map((s) => siteRow(s, signedBy.get(s.officer), tz, names.get(s.officer) ?? s.officer)));
  for (const part of sheet.officers) {
    const sites = [...part.enterprises.flatMap((e) => e.sites), ...part.sites].flatMap((id) => bySite.get(id) ?? []);
    const signed = signedBy.get(part.officer);
    const at = signed ? localStamp(signed.at, tz) : undefined;
    const title = `${part.name}（${part.officer}）巡查明细 ${sheet.id}  时段 ${period}  ${signed ? `签收 ${signed.by} ${at!.date} ${at!.time}` : '未签收'}`;
    addTable(wb, `${part.name} ${part.officer}`, title, FACTOR_COLUMNS, sites.flatMap(factorRows));
  }
  return wb;
}

/** the workbook as .xlsx bytes */
export async function sheetXlsx(sheet: PatrolSheet, signOffs: readonly SignOff[], parkName: string): Promise<Buffer> {
  return Buffer.from(await sheetWorkbook(sheet, signOffs, parkName).xlsx.writeBuffer());
}
