import type { Registry } from '../../gateway/registry/schema.js';
import { target, type Panel } from './model.js';
import { factorTitle, grafanaUnit } from './panels.js';
import { pollutantsOf } from './registryFacts.js';

type PanelSpec = Omit<Panel, 'id' | 'gridPos'>;

/**
 * Wind rose and pollution rose. Grafana has no rose panel in its core, so each is a bar chart over the 16
 * compass sectors (the sector the wind blows from; 静风 calm apart), from measurement `rose`, which the
 * gateway writes pairing each wind direction with the wind speed and each fence-line value with the wind
 * of its moment (processor/sinks/influx/rose.ts: InfluxQL can neither pair two series by time nor bin an
 * angle). Sector tags are numbered (`00 N 北` … `15 NNW 北西北`, `16 C 静风`), so they sort as on a compass.
 */
export function windRose(): PanelSpec {
  return {
    type: 'barchart',
    title: '风玫瑰（风向频次，按风速） Wind rose: readings per sector and wind speed',
    description: '16方位 (风的来向), 每格为风向读数次数, 按风速分级堆叠 (m/s); 静风 < 0.5 m/s.',
    datasource: target('A', '').datasource,
    targets: [target('A', `SELECT count("speed") AS "count" FROM "rose" WHERE "rose" = 'wind' AND $timeFilter GROUP BY "sector", "speed"`, { resultFormat: 'table' })],
    transformations: [{ id: 'groupingToMatrix', options: { columnField: 'speed', rowField: 'sector', valueField: 'count', emptyValue: 'zero' } }],
    fieldConfig: { defaults: { unit: 'short', color: { mode: 'palette-classic' }, custom: { fillOpacity: 80 } }, overrides: [{ matcher: { id: 'byName', options: 'sector\\speed' }, properties: [{ id: 'displayName', value: '风向 Sector' }] }] },
    options: { xField: 'sector\\speed', stacking: 'normal', orientation: 'auto', showValue: 'never', legend: { showLegend: true, displayMode: 'list', placement: 'bottom' } },
  };
}

/** the fence-line factors a pollution rose is drawn for: not the meteorological a01xxx ones */
export const roseFactors = (registry: Registry): string[] => pollutantsOf(registry, 'air_fence').filter((c) => !c.startsWith('a01'));

/** Pollution rose of one fence-line factor: its mean at the selected stations per sector of the wind at the time. */
export function pollutionRose(registry: Registry, code: string): PanelSpec {
  const unit = registry.pollutants[code]?.unit ?? '';
  return {
    type: 'barchart',
    title: `污染玫瑰 Pollution rose: ${factorTitle(registry, code)}${unit ? ` ${unit}` : ''}`,
    description: '各风向扇区 (风的来向, 站点自身风速风向, 否则气象站) 的均值, 仅标记N的数据 (flag N only).',
    datasource: target('A', '').datasource,
    targets: [target('A', `SELECT mean("value") AS "mean" FROM "rose" WHERE "rose" = 'pollution' AND "pollutant" = '${code}' AND "site" =~ /^$site$/ AND $timeFilter GROUP BY "sector"`, { resultFormat: 'table' })],
    fieldConfig: {
      defaults: { unit: grafanaUnit(unit), decimals: 3, color: { mode: 'fixed', fixedColor: 'orange' }, custom: { fillOpacity: 80 } },
      overrides: [
        { matcher: { id: 'byName', options: 'sector' }, properties: [{ id: 'displayName', value: '风向 Sector' }] },
        { matcher: { id: 'byName', options: 'mean' }, properties: [{ id: 'displayName', value: '均值 Mean' }] },
      ],
    },
    options: { xField: 'sector', orientation: 'auto', showValue: 'auto', legend: { showLegend: false, displayMode: 'list', placement: 'bottom' } },
  };
}

/** 异味溯源: the ranked likely sources of each odor episode (measurement `attribution`, processor/attribution). */
export function attributionTable(registry: Registry): PanelSpec {
  const names = Object.fromEntries(registry.enterprises.map((e) => [e.id, { text: `${e.id} ${e.name}` }]));
  return {
    type: 'table',
    title: '异味溯源：疑似来源 Odor attribution: likely sources',
    description: '每次异味事件按上风向扇区、距离与排放清单排序的疑似来源企业 (rank 1 最可能); 方位为自监测站看去.',
    datasource: target('A', '').datasource,
    targets: [
      target('A', `SELECT "site", "pollutant", "rank", "enterprise", "name", "score", "distance_m", "bearing_deg", "summary" FROM "attribution" WHERE "site" =~ /^$site$/ AND $timeFilter ORDER BY time DESC LIMIT 200`, { resultFormat: 'table' }),
    ],
    fieldConfig: {
      defaults: {},
      overrides: [
        { matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: '时间 Time' }, { id: 'unit', value: 'dateTimeAsLocal' }] },
        { matcher: { id: 'byName', options: 'site' }, properties: [{ id: 'displayName', value: '监测站 Station' }] },
        { matcher: { id: 'byName', options: 'pollutant' }, properties: [{ id: 'displayName', value: '因子 Factor' }, { id: 'mappings', value: [{ type: 'value', options: Object.fromEntries(Object.entries(registry.pollutants).map(([c, p]) => [c, { text: `${p.nameZh} ${c}` }])) }] }] },
        { matcher: { id: 'byName', options: 'rank' }, properties: [{ id: 'displayName', value: '排序 Rank' }] },
        { matcher: { id: 'byName', options: 'enterprise' }, properties: [{ id: 'displayName', value: '企业 Enterprise' }, { id: 'mappings', value: [{ type: 'value', options: names }] }] },
        { matcher: { id: 'byName', options: 'name' }, properties: [{ id: 'custom.hidden', value: true }] },
        { matcher: { id: 'byName', options: 'score' }, properties: [{ id: 'displayName', value: '得分 Score' }, { id: 'decimals', value: 3 }] },
        { matcher: { id: 'byName', options: 'distance_m' }, properties: [{ id: 'displayName', value: '距离 Distance' }, { id: 'unit', value: 'lengthm' }] },
        { matcher: { id: 'byName', options: 'bearing_deg' }, properties: [{ id: 'displayName', value: '方位 Bearing' }, { id: 'unit', value: 'degree' }] },
        { matcher: { id: 'byName', options: 'summary' }, properties: [{ id: 'displayName', value: '说明 Summary' }] },
      ],
    },
    // newest episode first; the candidates of one episode share its time (rank orders them)
    options: { showHeader: true, sortBy: [{ displayName: '时间 Time', desc: true }] },
  };
}
