import type { Registry } from '../../gateway/registry/schema.js';
import { StackingMode, VisibilityMode, VizOrientation } from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as BarchartPanel } from '@grafana/grafana-foundation-sdk/barchart';
import type { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { DS, FieldColorModeId, colors, legend, target, valueMap } from './sdk.js';
import { factorTitle, grafanaUnit, named, sortBy, tablePanel } from './panels.js';
import { pollutantsOf } from './registryFacts.js';

/**
 * Wind rose and pollution rose. Grafana has no rose panel in its core, so each is a bar chart over the 16
 * compass sectors (the sector the wind blows from; 静风 calm apart), from measurement `rose`, which the
 * gateway writes pairing each wind direction with the wind speed and each fence-line value with the wind
 * of its moment (processor/sinks/influx/rose.ts: InfluxQL can neither pair two series by time nor bin an
 * angle). Sector tags are numbered (`00 N 北` … `15 NNW 北西北`, `16 C 静风`), so they sort as on a compass.
 */
export function windRose(): BarchartPanel {
  return new BarchartPanel()
    .title('风玫瑰（风向频次，按风速） Wind rose: readings per sector and wind speed')
    .description('16方位 (风的来向), 每格为风向读数次数, 按风速分级堆叠 (m/s); 静风 < 0.5 m/s.')
    .datasource(DS)
    .withTarget(target('A', `SELECT count("speed") AS "count" FROM "rose" WHERE "rose" = 'wind' AND $timeFilter GROUP BY "sector", "speed"`, { resultFormat: 'table' }))
    .withTransformation({ id: 'groupingToMatrix', options: { columnField: 'speed', rowField: 'sector', valueField: 'count', emptyValue: 'zero' } })
    .unit('short')
    .colorScheme(colors(FieldColorModeId.PaletteClassic))
    .fillOpacity(80)
    .overrideByName('sector\\speed', named('风向 Sector'))
    .xField('sector\\speed')
    .stacking(StackingMode.Normal)
    .orientation(VizOrientation.Auto)
    .showValue(VisibilityMode.Never)
    .legend(legend());
}

/** the fence-line factors a pollution rose is drawn for: not the meteorological a01xxx ones */
export const roseFactors = (registry: Registry): string[] => pollutantsOf(registry, 'air_fence').filter((c) => !c.startsWith('a01'));

/** Pollution rose of one fence-line factor: its mean at the selected stations per sector of the wind at the time. */
export function pollutionRose(registry: Registry, code: string): BarchartPanel {
  const unit = registry.pollutants[code]?.unit ?? '';
  return new BarchartPanel()
    .title(`污染玫瑰 Pollution rose: ${factorTitle(registry, code)}${unit ? ` ${unit}` : ''}`)
    .description('各风向扇区 (风的来向, 站点自身风速风向, 否则气象站) 的均值, 仅标记N的数据 (flag N only).')
    .datasource(DS)
    .withTarget(target('A', `SELECT mean("value") AS "mean" FROM "rose" WHERE "rose" = 'pollution' AND "pollutant" = '${code}' AND "site" =~ /^$site$/ AND $timeFilter GROUP BY "sector"`, { resultFormat: 'table' }))
    .unit(grafanaUnit(unit))
    .decimals(3)
    .colorScheme(colors(FieldColorModeId.Fixed, 'orange'))
    .fillOpacity(80)
    .overrideByName('sector', named('风向 Sector'))
    .overrideByName('mean', named('均值 Mean'))
    .xField('sector')
    .orientation(VizOrientation.Auto)
    .showValue(VisibilityMode.Auto)
    .legend(legend(false));
}

/** 异味溯源: the ranked likely sources of each odor episode (measurement `attribution`, processor/attribution). */
export function attributionTable(registry: Registry): TablePanel {
  const names = Object.fromEntries(registry.enterprises.map((e) => [e.id, { text: `${e.id} ${e.name}` }]));
  return (
    tablePanel('异味溯源：疑似来源 Odor attribution: likely sources')
      .description('每次异味事件按上风向扇区、距离与排放清单排序的疑似来源企业 (rank 1 最可能); 方位为自监测站看去.')
      .withTarget(target('A', `SELECT "site", "pollutant", "rank", "enterprise", "name", "score", "distance_m", "bearing_deg", "summary" FROM "attribution" WHERE "site" =~ /^$site$/ AND $timeFilter ORDER BY time DESC LIMIT 200`, { resultFormat: 'table' }))
      .overrideByName('Time', named('时间 Time', { id: 'unit', value: 'dateTimeAsLocal' }))
      .overrideByName('site', named('监测站 Station'))
      .overrideByName('pollutant', named('因子 Factor', { id: 'mappings', value: valueMap(Object.fromEntries(Object.entries(registry.pollutants).map(([c, p]) => [c, { text: `${p.nameZh} ${c}` }]))) }))
      .overrideByName('rank', named('排序 Rank'))
      .overrideByName('enterprise', named('企业 Enterprise', { id: 'mappings', value: valueMap(names) }))
      .overrideByName('name', [{ id: 'custom.hidden', value: true }])
      .overrideByName('score', named('得分 Score', { id: 'decimals', value: 3 }))
      .overrideByName('distance_m', named('距离 Distance', { id: 'unit', value: 'lengthm' }))
      .overrideByName('bearing_deg', named('方位 Bearing', { id: 'unit', value: 'degree' }))
      .overrideByName('summary', named('说明 Summary'))
      // newest episode first; the candidates of one episode share its time (rank orders them)
      .showHeader(true)
      .sortBy(sortBy('时间 Time', true))
  );
}
