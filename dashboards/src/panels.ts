import type { Registry, Site, SiteKind } from '../../gateway/registry/schema.js';
import { RULE_LEVEL_ZH, type RuleLevel } from '../../gateway/registry/rules.js';
import { AnnotationQueryBuilder, type DynamicConfigValue, type Threshold as ThresholdStep } from '@grafana/grafana-foundation-sdk/dashboard';
import { GraphDrawStyle, GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode, LineInterpolation, StackingConfigBuilder, StackingMode, TableCellDisplayMode, FieldTextAlignment, TableSortByFieldStateBuilder, VisibilityMode } from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { DS, FieldColorModeId, colors, legend, target, thresholds, valueMap } from './sdk.js';
import type { LimitLine } from './registryFacts.js';
import { joinStale, staleTarget, withStale } from './state.js';

/** HJ 212-2017 Table 8 data flags, as officers read them */
export const FLAGS = {
  N: 'N 正常 normal',
  F: 'F 停运 stopped',
  M: 'M 维护 maintenance',
  S: 'S 手工输入 manual',
  D: 'D 故障 fault',
  C: 'C 校准 calibration',
  T: 'T 超测上限 over range',
  B: 'B 通讯异常 comm fault',
} as const;
export const NON_N_FLAGS = ['F', 'M', 'S', 'D', 'C', 'T', 'B'] as const;

const LEVEL_COLOR: Record<RuleLevel, string> = { warning: 'yellow', control: 'orange', exceedance: 'red' };
const SEVERITY: Record<RuleLevel, number> = { warning: 0, control: 1, exceedance: 2 };

/** Grafana units for the registry's units (officers read mg/L, mg/m³, µS/cm); the rest as a suffix */
const UNITS: Record<string, string> = { 'mg/m3': 'conmgm3', 'm/s': 'velocityms', deg: 'degree', '°': 'degree', m: 'lengthm', m3: 'm3', '℃': 'celsius', '%': 'percent', hPa: 'pressurehpa', '': 'none' };
export const grafanaUnit = (unit: string): string => UNITS[unit] ?? `suffix: ${unit}`;

/** `<中文名> <name> (<code>)`: how the officers name a factor */
export const factorTitle = (registry: Registry, code: string): string => {
  const p = registry.pollutants[code];
  return p ? `${p.nameZh} ${p.name} (${code})` : code;
};

/** The limit lines as Grafana threshold steps: below a min and above each max in its level's colour. */
export function thresholdSteps(lines: readonly LimitLine[]): ThresholdStep[] {
  const mins = lines.filter((l) => l.min !== undefined);
  const steps: ThresholdStep[] = [{ color: mins.length ? LEVEL_COLOR[mins.sort((a, b) => SEVERITY[b.level] - SEVERITY[a.level])[0]!.level] : 'green', value: null }];
  if (mins.length) steps.push({ color: 'green', value: Math.max(...mins.map((l) => l.min!)) });
  const maxes = new Map<number, RuleLevel>();
  for (const l of lines) if (l.max !== undefined && (maxes.get(l.max) === undefined || SEVERITY[l.level] > SEVERITY[maxes.get(l.max)!])) maxes.set(l.max, l.level);
  for (const [value, level] of [...maxes].sort((a, b) => a[0] - b[0])) steps.push({ color: LEVEL_COLOR[level], value });
  return steps;
}

/** ", 预警 400, 超标 500": the limits in a panel's description */
const describe = (lines: readonly LimitLine[]) => lines.map((l) => `${RULE_LEVEL_ZH[l.level]} ${l.min !== undefined ? `≥${l.min}` : ''}${l.min !== undefined && l.max !== undefined ? ' ' : ''}${l.max !== undefined ? `≤${l.max}` : ''} (${l.rule})`).join(', ');

const FLAG_MAPPINGS = valueMap(Object.fromEntries(Object.entries(FLAGS).map(([k, text], index) => [k, { text, color: k === 'N' ? 'green' : 'red', index }])));

/** a site's id shown with its name, a factor's code with its Chinese name and unit (as officers read them) */
export const siteMappings = (registry: Registry) => valueMap(Object.fromEntries(registry.sites.map((x, index) => [x.id, { text: `${x.id} ${x.name}`, index }])));
export const factorMappings = (registry: Registry) =>
  valueMap(Object.fromEntries(Object.entries(registry.pollutants).map(([code, p], index) => [code, { text: `${p.nameZh} ${p.name}${p.unit ? ` ${p.unit}` : ''} (${code})`, index }])));

/** the sites of a panel filtered by the dashboard's variables */
export const siteFilter = (kind: SiteKind): string => (kind === 'weather' ? '' : kind === 'wastewater_pipe' ? `"enterprise" =~ /^$enterprise$/ AND "site" =~ /^$site$/` : `"site" =~ /^$site$/`);
const and = (...parts: string[]) => parts.filter(Boolean).join(' AND ');

/** a field override's properties: display name first, then the rest */
export const named = (displayName: string, ...rest: DynamicConfigValue[]): DynamicConfigValue[] => [{ id: 'displayName', value: displayName }, ...rest];
const thresholdsStyle = (on: boolean) => new GraphThresholdsStyleConfigBuilder().mode(on ? GraphThresholdsStyleMode.Line : GraphThresholdsStyleMode.Off);
/** a time series panel on the data source with its legend shown */
export const timeseriesPanel = (title: string) => new TimeseriesPanel().title(title).datasource(DS).legend(legend());
export const stackedBars = () => new StackingConfigBuilder().mode(StackingMode.Normal).group('A');

/**
 * A factor's chart, one series per site: the mean of the values flagged N (the values a valid mean
 * counts, HJ 212-2017 Table 8; calibration, maintenance and the other flags are never averaged in) and,
 * apart, the values flagged otherwise as points; limit lines from the registry, a site whose 纳管协议 limit
 * differs drawn with its own.
 */
export function factorChart(registry: Registry, kind: SiteKind, code: string, sites: readonly Site[], limits: (site: Site) => LimitLine[]): TimeseriesPanel {
  const unit = registry.pollutants[code]?.unit ?? '';
  const where = and(`"pollutant" = '${code}'`, siteFilter(kind), '$timeFilter');
  const perSite = sites.map((s) => ({ site: s.id, steps: thresholdSteps(limits(s)), lines: limits(s) }));
  // the lines most sites share are the panel's; a site with its own (纳管协议) gets an override
  const tally = new Map<string, number>();
  for (const p of perSite) tally.set(JSON.stringify(p.steps), (tally.get(JSON.stringify(p.steps)) ?? 0) + 1);
  const mostKey = [...tally].sort((a, b) => b[1] - a[1])[0]?.[0];
  const common: ThresholdStep[] = mostKey ? (JSON.parse(mostKey) as ThresholdStep[]) : [{ color: 'green', value: null }];
  const own = perSite.filter((p) => JSON.stringify(p.steps) !== JSON.stringify(common));
  const lines = perSite.find((p) => JSON.stringify(p.steps) === mostKey)?.lines ?? [];
  const special = own.map((p) => `${p.site}: ${describe(p.lines)}`);
  const panel = timeseriesPanel(`${factorTitle(registry, code)}${unit ? ` ${unit}` : ''}`)
    .description(`限值 Limits: ${lines.length ? describe(lines) : '无 none'}${special.length ? `; ${special.join('; ')}` : ''}. 非N标记值单独显示，不计入均值 (HJ 212-2017 表8).`)
    .withTarget(target('A', `SELECT mean("value") FROM "${kind}" WHERE ${where} AND "flag" = 'N' GROUP BY time($__interval), "site" fill(null)`, { alias: '$tag_site' }))
    .withTarget(target('B', `SELECT mean("value") FROM "${kind}" WHERE ${where} AND "flag" != 'N' GROUP BY time($__interval), "site" fill(none)`, { alias: '$tag_site 标记 flagged' }))
    .unit(grafanaUnit(unit))
    .drawStyle(GraphDrawStyle.Line)
    .lineWidth(1)
    .showPoints(VisibilityMode.Auto)
    .spanNulls(false)
    .thresholdsStyle(thresholdsStyle(lines.length > 0 || own.length > 0))
    .colorScheme(colors(FieldColorModeId.PaletteClassic))
    .thresholds(thresholds(common));
  for (const p of own) panel.overrideByName(p.site, [{ id: 'thresholds', value: thresholds(p.steps).build() }]);
  return panel.overrideByRegexp('.* 标记 flagged$', [{ id: 'custom.drawStyle', value: GraphDrawStyle.Points }, { id: 'custom.thresholdsStyle', value: thresholdsStyle(false).build() }]);
}

/**
 * Values flagged other than N, one series per flag (HJ 212-2017 Table 8). `flag` is a field in the
 * writer's schema (processor/sinks/influx), and InfluxQL groups by tags only, so each flag is its own
 * target named by the flag. InfluxQL never adds up across measurements: over several kinds (the
 * overview) each flag has one series per kind, named `<flag> · <kind>`.
 */
export function flagsByFlag(kinds: readonly SiteKind[], filter: string): TimeseriesPanel {
  const from = kinds.length === 1 ? `"${kinds[0]}"` : `/^(${kinds.join('|')})$/`;
  return timeseriesPanel(kinds.length === 1 ? '非正常标记读数（按标记） Readings with a non-N flag, by flag' : '非正常标记读数（按标记、类型） Readings with a non-N flag, by flag and kind')
    .description('HJ 212-2017 表8 数据标记: 每个标记一条曲线 (one series per flag); 不计入均值 (never in a mean).')
    .targets(NON_N_FLAGS.map((f) => target(f, `SELECT count("value") AS "${f}" FROM ${from} WHERE ${and(`"flag" = '${f}'`, filter, '$timeFilter')} GROUP BY time($__interval) fill(none)`, { alias: kinds.length === 1 ? FLAGS[f] : `${FLAGS[f]} · $measurement` })))
    .unit('short')
    .drawStyle(GraphDrawStyle.Bars)
    .stacking(stackedBars())
    .colorScheme(colors(FieldColorModeId.PaletteClassic));
}

/** a table panel on the data source */
export const tablePanel = (title: string) => new TablePanel().title(title).datasource(DS);
export const sortBy = (displayName: string, desc: boolean) => [new TableSortByFieldStateBuilder().displayName(displayName).desc(desc)];

/**
 * The newest value of every site and factor with its flag and its data age. The look-back is a week,
 * not the dashboard's range, so a silent site stays in the table with its old time (shown as an age)
 * instead of vanishing; the description gives the age after which a site counts as silent.
 */
export function latestTable(registry: Registry, kinds: readonly SiteKind[], filter: string, staleMs: number, groupBy: readonly string[]): TablePanel {
  const from = kinds.length === 1 ? `"${kinds[0]}"` : `/^(${kinds.join('|')})$/`;
  const panel = tablePanel('最新值与数据龄 Latest value and data age')
    .description(`数据龄超过 ${Math.round(staleMs / 1000)} s 即停报 (stale: no-data rule, missed intervals × device interval; 停报 column from the gateway's site_state). 回看7天 look-back 7 days.`)
    .withTarget(target('A', `SELECT last("value") AS "value", "flag" FROM ${from} WHERE ${filter ? `${filter} AND ` : ''}time > now() - 7d GROUP BY ${groupBy.map((g) => `"${g}"`).join(', ')}`, { resultFormat: 'table' }))
    .withTarget(staleTarget(kinds, filter))
    .transformations(joinStale('site'))
    .align(FieldTextAlignment.Auto)
    .cellOptions({ type: TableCellDisplayMode.Auto });
  withStale(panel)
    .overrideByName('flag', named('标记 Flag', { id: 'mappings', value: FLAG_MAPPINGS }, { id: 'custom.cellOptions', value: { type: TableCellDisplayMode.ColorText } }))
    .overrideByName('value', named('最新值 Latest value', { id: 'decimals', value: 3 }))
    .overrideByName('Time', named('数据龄 Data age', { id: 'unit', value: 'dateTimeFromNow' }))
    .overrideByName('site', named('站点 Site', { id: 'mappings', value: siteMappings(registry) }))
    .overrideByName('pollutant', named('因子 Factor', { id: 'mappings', value: factorMappings(registry) }))
    .overrideByName('enterprise', named('企业 Enterprise'));
  return panel.showHeader(true).sortBy(sortBy('数据龄 Data age', false));
}

/**
 * The patrol matrix of a kind: a row per site, a column per factor (Grafana's groupingToMatrix), each cell
 * the newest value coloured against the factor's limits (the limits most sites share; the description
 * names the sites with their own).
 */
export function matrixTable(registry: Registry, kind: SiteKind, codes: readonly string[], sites: readonly Site[], limits: (site: Site, code: string) => LimitLine[]): TablePanel {
  const own: string[] = [];
  const columns = codes.map((code) => {
    const tally = new Map<string, number>();
    for (const s of sites) tally.set(JSON.stringify(thresholdSteps(limits(s, code))), (tally.get(JSON.stringify(thresholdSteps(limits(s, code)))) ?? 0) + 1);
    const common = [...tally].sort((a, b) => b[1] - a[1])[0]![0];
    for (const s of sites) if (JSON.stringify(thresholdSteps(limits(s, code))) !== common) own.push(`${s.id} ${code}: ${describe(limits(s, code))}`);
    const p = registry.pollutants[code];
    return [code, named(p ? `${p.nameZh} ${p.unit}` : code, { id: 'thresholds', value: thresholds(JSON.parse(common) as ThresholdStep[]).build() }, { id: 'color', value: { mode: FieldColorModeId.Thresholds } }, { id: 'custom.cellOptions', value: { type: TableCellDisplayMode.ColorBackground } })] as const;
  });
  const panel = tablePanel('巡查矩阵（站点×因子，对照限值） Patrol matrix: site × factor against limits')
    .description(`最新值 (7天回看), 按限值着色 coloured by limit level; 停报 stale: 数据龄超过停报时限的站点 (site_state)${own.length ? `; 企业自有限值 own limits: ${own.join('; ')}` : ''}.`)
    .withTarget(target('A', `SELECT last("value") AS "value" FROM "${kind}" WHERE ${and(siteFilter(kind), 'time > now() - 7d')} GROUP BY "site", "pollutant"`, { resultFormat: 'table' }))
    .withTarget(staleTarget([kind], siteFilter(kind)))
    .transformations([{ id: 'groupingToMatrix', filter: { id: 'byRefId', options: 'A' }, options: { columnField: 'pollutant', rowField: 'site', valueField: 'value', emptyValue: 'null' } }, ...joinStale('site\\pollutant')])
    .align(FieldTextAlignment.Center)
    .decimals(2)
    .overrideByName('site\\pollutant', named('站点 Site', { id: 'mappings', value: siteMappings(registry) }));
  withStale(panel);
  for (const [code, properties] of columns) panel.overrideByName(code, properties);
  return panel;
}

/** Valid hourly and daily means (measurement `means`, processor/means): only valid windows, one series per site and period. */
export function meansChart(registry: Registry, kind: SiteKind, code: string, dayLines: readonly LimitLine[]): TimeseriesPanel {
  const unit = registry.pollutants[code]?.unit ?? '';
  const q = (period: 'hour' | 'day') =>
    `SELECT last("value") FROM "means" WHERE "pollutant" = '${code}' AND "period" = '${period}' AND "valid" = true AND ${and(kind === 'weather' ? '' : `"site" =~ /^$site$/`, '$timeFilter')} GROUP BY time(1h), "site" fill(none)`;
  return timeseriesPanel(`${factorTitle(registry, code)} 有效小时/日均值 Valid hourly and daily means`)
    .description(`HJ 212-2017 附录D, HJ 356-2019 §7: 仅有效均值 (valid only); 日均限值 daily limit: ${dayLines.length ? describe(dayLines) : '无 none'}.`)
    .withTarget(target('H', q('hour'), { alias: '$tag_site 小时均值 hourly' }))
    .withTarget(target('D', q('day'), { alias: '$tag_site 日均值 daily' }))
    .unit(grafanaUnit(unit))
    .drawStyle(GraphDrawStyle.Line)
    .lineInterpolation(LineInterpolation.StepAfter)
    .showPoints(VisibilityMode.Always)
    .spanNulls(true)
    .thresholdsStyle(thresholdsStyle(dayLines.length > 0))
    .colorScheme(colors(FieldColorModeId.PaletteClassic))
    .thresholds(thresholds(thresholdSteps(dayLines)));
}

/** Ticket events (measurement `tickets`, processor/sinks/influx/ticketEvents.ts) as annotations, tagged with the level. */
export function ticketAnnotation(filter: string): AnnotationQueryBuilder {
  const query = `SELECT "text", "level", "category", "site", "rule" FROM "tickets" WHERE $timeFilter AND "change" = 'opened'${filter ? ` AND ${filter}` : ''}`;
  return new AnnotationQueryBuilder()
    .name('工单 Tickets (预警/管控/超标)')
    .datasource(DS)
    .enable(true)
    .hide(false)
    .iconColor('red')
    .target(target('Anno', query, { resultFormat: 'table', fromAnnotations: true, textColumn: 'text', tagsColumn: 'level,category,site,rule' }));
}

export const builtInAnnotation = (): AnnotationQueryBuilder =>
  new AnnotationQueryBuilder().builtIn(1).datasource({ type: 'grafana', uid: '-- Grafana --' }).enable(true).hide(true).iconColor('rgba(0, 211, 255, 1)').name('Annotations & Alerts').type('dashboard');
