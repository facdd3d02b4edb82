import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../gateway/http/server.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { as, testAccess, type TestAccess } from '../../test/helpers/principal.js';
import { createSqliteStore, type SqliteStore } from '../tickets/sqlite.js';
import { silentLog, tempDb } from '../tickets/testing/fixtures.js';
import { registerPatrolRoutes } from './api.js';
import { localStamp, periodEndingAt } from './periods.js';
import { buildSheet } from './sheet.js';
import { sqlitePatrolStore } from './store.js';
import type { PatrolSheet, SignOff } from './types.js';

const registry = loadRegistry();
const END = Date.parse('2026-11-27T16:30:00+08:00');
const SIGNED_AT = END + 3_600_000 + 7 * 60_000;
const URL = '/api/patrols/P-20261127-1630';
let app: FastifyInstance;
let db: SqliteStore;
let access: TestAccess;
let tmp: ReturnType<typeof tempDb>;

beforeAll(async () => {
  tmp = tempDb('patrol-xlsx-');
  db = createSqliteStore({ file: tmp.file });
  db.start();
  const store = sqlitePatrolStore(db.db);
  const stats = {
    received: new Map([['WP-01/WP-01-M/w01018', 48], ['WP-01/WP-01-M/w00000', 4000]]),
    valid: new Map([['WP-01/w01018', { count: 40, min: 120.5, max: 620.25, mean: 301.123456 }], ['WP-01/w00000', { count: 3990, min: 0, max: 4.5, mean: 2.25 }]]),
    buckets: new Map([['WP-01/WP-01-M', 47]]),
    lastAt: new Map([['WP-01/WP-01-M', END - 1000]]),
    valve: new Map([['WP-01', { value: 0, at: END - 3_600_000 }]]),
    beyond: new Map([['WP-01/w01018', { exceedances: 3, warnings: 2 }]]),
  };
  const made = buildSheet({ registry, period: periodEndingAt(END, registry.patrol.times, registry.park.timezone), stats, tickets: { list: () => ({ tickets: [], total: 0 }) }, producedAt: END });
  const ro = made.sites.find((s) => s.site === 'RO-01')!;
  ro.snapshot = { id: 'RO-01-1764232200000-0123456789ab', takenAt: END, bytes: 1000, sha256: 'ab', url: `${URL}/snapshots/RO-01-1764232200000-0123456789ab` };
  store.save(made);
  store.signOff({ sheet: made.id, officer: 'OF-01', by: 'OF-01', at: SIGNED_AT, remarks: { 'WP-01': '排口阀门已关，现场核查' } });
  app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  access = testAccess();
  access.install(app);
  registerPatrolRoutes(app, store, { audit: access.audit, registry });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  access?.close();
  db?.stop();
  tmp?.remove();
});

async function download(who: Parameters<typeof as>[0]): Promise<{ wb: ExcelJS.Workbook; json: PatrolSheet & { signOffs: SignOff[] } }> {
  const res = await app.inject({ method: 'GET', url: `${URL}?format=xlsx`, headers: as(who) });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('巡查日报-P-20261127-1630.xlsx')}`);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  const json = (await app.inject({ method: 'GET', url: URL, headers: as(who) })).json();
  return { wb, json };
}

/** the data rows of a worksheet as header → value */
function table(ws: ExcelJS.Worksheet): { header: string[]; rows: Record<string, ExcelJS.CellValue>[]; cells: ExcelJS.Cell[][] } {
  const header = (ws.getRow(2).values as string[]).slice(1);
  const rows: Record<string, ExcelJS.CellValue>[] = [];
  const cells: ExcelJS.Cell[][] = [];
  for (let r = 3; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    rows.push(Object.fromEntries(header.map((h, i) => [h, row.getCell(i + 1).value])));
    cells.push(header.map((_, i) => row.getCell(i + 1)));
  }
  return { header, rows, cells };
}

describe('patrol 日报 as xlsx (exceljs)', () => {
  it('has a summary sheet whose cells equal the sheet JSON: numbers as numbers with formats, frozen header, sign-off', async () => {
    const { wb, json } = await download('chief');
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', ...json.officers.map((p) => `${p.name} ${p.officer}`)]);
    const ws = wb.getWorksheet('汇总')!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(String(ws.getCell(1, 1).value)).toBe('湖北某经济开发区 巡查日报 P-20261127-1630  时段 2026-11-27 08:30 至 2026-11-27 16:30  签收时限 2026-11-27 18:30');
    const { header, rows, cells } = table(ws);
    expect(header).toEqual(['站点编号', '站点名称', '企业', '包联干部', '数据完整率(%)', '在线率(%)', '超标次数', '预警次数', '离线设备', '恒值因子', '新开工单', '未关闭工单', '阀门状态', '排口抓拍', '签收人', '签收时间', '备注']);
    expect(rows.map((r) => r['站点编号'])).toEqual(json.sites.map((s) => s.site));
    const signed = json.signOffs.find((s) => s.officer === 'OF-01')!;
    json.sites.forEach((s, i) => {
      const r = rows[i]!;
      expect(r['站点名称']).toBe(s.name);
      expect(r['企业'] ?? '').toBe(s.enterpriseName ?? '');
      expect(r['包联干部']).toBe(json.officers.find((p) => p.officer === s.officer)!.name);
      expect(r['数据完整率(%)']).toBe(s.completeness);
      expect(r['在线率(%)']).toBe(s.online);
      expect(r['超标次数']).toBe(s.exceedances);
      expect(r['预警次数']).toBe(s.warnings);
      expect(r['离线设备'] ?? '').toBe(s.offlineDevices.join(' '));
      expect(r['阀门状态'] ?? '').toBe(s.valve ? (s.valve.value ? '开' : '关') : '');
      expect(r['排口抓拍'] ?? '').toBe(s.snapshot && 'id' in s.snapshot ? s.snapshot.id : '');
      expect(r['签收人'] ?? '').toBe(s.officer === 'OF-01' ? 'OF-01' : '');
      expect(r['备注'] ?? '').toBe(signed.remarks[s.site] ?? '');
      expect(typeof r['数据完整率(%)']).toBe('number');
      expect(cells[i]![4]!.numFmt).toBe('0.00');
    });
    const wp01 = rows.find((r) => r['站点编号'] === 'WP-01')!;
    expect(wp01).toMatchObject({ 超标次数: 3, 预警次数: 2, 阀门状态: '关', 签收人: 'OF-01', 备注: '排口阀门已关，现场核查' });
    // the signing time reads as the park-local wall time, as a date cell
    const at = wp01['签收时间'] as Date;
    expect(at).toBeInstanceOf(Date);
    const local = localStamp(signed.at, json.timezone);
    expect(at.toISOString().slice(0, 16)).toBe(`${local.date}T${local.time}`);
    expect(cells[rows.indexOf(wp01)]![15]!.numFmt).toBe('yyyy-mm-dd hh:mm');
  });

  it('has one sheet per officer part, enterprises first, a row per site and factor equal to the JSON', async () => {
    const { wb, json } = await download('chief');
    for (const part of json.officers) {
      const ws = wb.getWorksheet(`${part.name} ${part.officer}`)!;
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
      const { rows, cells } = table(ws);
      const sites = [...part.enterprises.flatMap((e) => e.sites), ...part.sites].map((id) => json.sites.find((s) => s.site === id)!);
      const expected = sites.flatMap((s) => s.factors.map((f) => ({ s, f })));
      expect(rows.map((r) => [r['站点编号'], r['因子编码']])).toEqual(expected.map(({ s, f }) => [s.site, f.pollutant]));
      expected.forEach(({ f }, i) => {
        const r = rows[i]!;
        expect(r['因子']).toBe(f.nameZh);
        expect(r['接收数']).toBe(f.received);
        expect(r['有效数']).toBe(f.valid);
        expect(r['最小值'] ?? undefined).toBe(f.min);
        expect(r['有效均值'] ?? undefined).toBe(f.mean);
        expect(r['最大值'] ?? undefined).toBe(f.max);
        expect(r['超标次数']).toBe(f.exceedances);
        expect(r['预警次数']).toBe(f.warnings);
        const l = f.limit;
        expect(r['限值'] ?? '').toBe(!l ? '' : l.min !== undefined && l.max !== undefined ? `${l.min}~${l.max}` : l.max !== undefined ? `≤${l.max}` : `≥${l.min}`);
        expect(cells[i]![9]!.numFmt).toBe('0.000');
      });
    }
    const cod = table(wb.getWorksheet('王青 OF-01')!).rows.find((r) => r['站点编号'] === 'WP-01' && r['因子编码'] === 'w01018')!;
    expect(cod).toMatchObject({ 接收数: 48, 有效数: 40, 最小值: 120.5, 有效均值: 301.123456, 最大值: 620.25, 超标次数: 3, 预警次数: 2 });
  });

  it('gives an officer their own sites and part only; bad formats are 400', async () => {
    const { wb, json } = await download('officer');
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '王青 OF-01']);
    expect(table(wb.getWorksheet('汇总')!).rows.map((r) => r['站点编号'])).toEqual(json.sites.map((s) => s.site));
    expect(json.sites.every((s) => s.officer === 'OF-01')).toBe(true);
    const bad = await app.inject({ method: 'GET', url: `${URL}?format=xls`, headers: as('chief') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ where: 'query' });
    expect((await app.inject({ method: 'GET', url: `${URL}?format=xlsx`, headers: as('anonymous') })).statusCode).toBe(401);
  });
});
