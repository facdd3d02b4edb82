import type { Registry, Site, SiteKind } from '../../gateway/registry/schema.js';
import { RULE_LEVEL_ZH, type RuleLevel } from '../../gateway/registry/rules.js';
import { target, type Annotation, type FieldOverride, type Panel, type ThresholdStep } from './model.js';
import type { LimitLine } from './registryFacts.js';
import { joinStale, staleOverride, staleTarget } from './state.js';

type PanelSpec = Omit<Panel, 'id' | 'gridPos'>;

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

const FLAG_MAPPINGS = [{ type: 'value', options: Object.fromEntries(Object.entries(FLAGS).map(([k, text], index) => [k, { text, color: k === 'N' ? 'green' : 'red', index }])) }];

/** a site's id shown with its name, a factor's code with its Chinese name and unit (as officers read them) */
export const siteMappings = (registry: Registry) => [{ type: 'value', options: Object.fromEntries(registry.sites.map((x, index) => [x.id, { text: `${x.id} ${x.name}`, index }])) }];
export const factorMappings = (registry: Registry) => [
  { type: 'value', options: Object.fromEntries(Object.entries(registry.pollutants).map(([code, p], index) => [code, { text: `${p.nameZh} ${p.name}${p.unit ? ` ${p.unit}` : ''} (${code})`, index }])) },
];

/** the sites of a panel filtered by the dashboard's variables */
export const siteFilter = (kind: SiteKind): string => (kind === 'weather' ? '' : kind === 'wastewater_pipe' ? `"enterprise" =~ /^$enterprise$/ AND "site" =~ /^$site$/` : `"site" =~ /^$site$/`);
const and = (...parts: string[]) => parts.filter(Boolean).join(' AND ');

/**
 * A factor's chart, one series per site: the mean of the values flagged N (the values a valid mean
 * counts, HJ 212-2017 Table 8; calibration, maintenance and the other flags are never averaged in) and,
 * apart, the values flagged otherwise as points; limit lines from the registry, a site whose 纳管协议 limit
 * differs drawn with its own.
 */
export function factorChart(registry: Registry, kind: SiteKind, code: string, sites: readonly Site[], limits: (site: Site) => LimitLine[]): PanelSpec {
  const unit = registry.pollutants[code]?.unit ?? '';
  const where = and(`"pollutant" = '${code}'`, siteFilter(kind), '$timeFilter');
  const perSite = sites.map((s) => ({ site: s.id, steps: thresholdSteps(limits(s)), lines: limits(s) }));
  // the lines most sites share are the panel's; a site with its own (纳管协议) gets an override
  const tally = new Map<string, number>();
  for (const p of perSite) tally.set(JSON.stringify(p.steps), (tally.get(JSON.stringify(p.steps)) ?? 0) + 1);
  const mostKey = [...tally].sort((a, b) => b[1] - a[1])[0]?.[0];
  const common: ThresholdStep[] = mostKey ? (JSON.parse(mostKey) as ThresholdStep[]) : [{ color: 'green', value: null }];
  const overrides: FieldOverride[] = perSite
    .filter((p) => JSON.stringify(p.steps) !== JSON.stringify(common))
    .map((p) => ({ matcher: { id: 'byName', options: p.site }, properties: [{ id: 'thresholds', value: { mode: 'absolute', steps: p.steps } }] }));
  overrides.push({ matcher: { id: 'byRegexp', options: '.* 标记 flagged$' }, properties: [{ id: 'custom.drawStyle', value: 'points' }, { id: 'custom.thresholdsStyle', value: { mode: 'off' } }] });
  const lines = perSite.find((p) => JSON.stringify(p.steps) === mostKey)?.lines ?? [];
  const special = perSite.filter((p) => JSON.stringify(p.steps) !== JSON.stringify(common)).map((p) => `${p.site}: ${describe(p.lines)}`);
  return {
    type: 'timeseries',
    title: `${factorTitle(registry, code)}${unit ? ` ${unit}` : ''}`,
    description: `限值 Limits: ${lines.length ? describe(lines) : '无 none'}${special.length ? `; ${special.join('; ')}` : ''}. 非N标记值单独显示，不计入均值 (HJ 212-2017 表8).`,
    datasource: target('A', '').datasource,
    targets: [
      target('A', `SELECT mean("value") FROM "${kind}" WHERE ${where} AND "flag" = 'N' GROUP BY time($__interval), "site" fill(null)`, { alias: '$tag_site' }),
      target('B', `SELECT mean("value") FROM "${kind}" WHERE ${where} AND "flag" != 'N' GROUP BY time($__interval), "site" fill(none)`, { alias: '$tag_site 标记 flagged' }),
    ],
    fieldConfig: {
      defaults: {
        unit: grafanaUnit(unit),
        custom: { drawStyle: 'line', lineWidth: 1, showPoints: 'auto', spanNulls: false, thresholdsStyle: { mode: lines.length || overrides.length > 1 ? 'line' : 'off' } },
        color: { mode: 'palette-classic' },
        thresholds: { mode: 'absolute', steps: common },
      },
      overrides,
    },
  };
}

/**
 * Values flagged other than N, one series per flag (HJ 212-2017 Table 8). `flag` is a field in the
 * writer's schema (processor/sinks/influx), and InfluxQL groups by tags only, so each flag is its own
 * target named by the flag. InfluxQL never adds up across measurements: over several kinds (the
 * overview) each flag has one series per kind, named `<flag> · <kind>`.
 */
export function flagsByFlag(kinds: readonly SiteKind[], filter: string): PanelSpec {
  const from = kinds.length === 1 ? `"${kinds[0]}"` : `/^(${kinds.join('|')})$/`;
  return {
    type: 'timeseries',
    title: kinds.length === 1 ? '非正常标记读数（按标记） Readings with a non-N flag, by flag' : '非正常标记读数（按标记、类型） Readings with a non-N flag, by flag and kind',
    description: 'HJ 212-2017 表8 数据标记: 每个标记一条曲线 (one series per flag); 不计入均值 (never in a mean).',
    datasource: target('A', '').datasource,
    targets: NON_N_FLAGS.map((f) =>
      target(f, `SELECT count("value") AS "${f}" FROM ${from} WHERE ${and(`"flag" = '${f}'`, filter, '$timeFilter')} GROUP BY time($__interval) fill(none)`, { alias: kinds.length === 1 ? FLAGS[f] : `${FLAGS[f]} · $measurement` }),
    ),
    fieldConfig: { defaults: { unit: 'short', custom: { drawStyle: 'bars', stacking: { mode: 'normal', group: 'A' } }, color: { mode: 'palette-classic' } }, overrides: [] },
  };
}

/**
 * The newest value of every site and factor with its flag and its data age. The look-back is a week,
 * not the dashboard's range, so a silent site stays in the table with its old time (shown as an age)
 * instead of vanishing; the description gives the age after which a site counts as silent.
 */
export function latestTable(registry: Registry, kinds: readonly SiteKind[], filter: string, staleMs: number, groupBy: readonly string[]): PanelSpec {
  const from = kinds.length === 1 ? `"${kinds[0]}"` : `/^(${kinds.join('|')})$/`;
  return {
    type: 'table',
    title: '最新值与数据龄 Latest value and data age',
    description: `数据龄超过 ${Math.round(staleMs / 1000)} s 即停报 (stale: no-data rule, missed intervals × device interval; 停报 column from the gateway's site_state). 回看7天 look-back 7 days.`,
    datasource: target('A', '').datasource,
    targets: [
      target('A', `SELECT last("value") AS "value", "flag" FROM ${from} WHERE ${filter ? `${filter} AND ` : ''}time > now() - 7d GROUP BY ${groupBy.map((g) => `"${g}"`).join(', ')}`, { resultFormat: 'table' }),
      staleTarget(kinds, filter),
    ],
    transformations: joinStale('site'),
    fieldConfig: {
      defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
      overrides: [
        staleOverride,
        { matcher: { id: 'byName', options: 'flag' }, properties: [{ id: 'displayName', value: '标记 Flag' }, { id: 'mappings', value: FLAG_MAPPINGS }, { id: 'custom.cellOptions', value: { type: 'color-text' } }] },
        { matcher: { id: 'byName', options: 'value' }, properties: [{ id: 'displayName', value: '最新值 Latest value' }, { id: 'decimals', value: 3 }] },
        { matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: '数据龄 Data age' }, { id: 'unit', value: 'dateTimeFromNow' }] },
        { matcher: { id: 'byName', options: 'site' }, properties: [{ id: 'displayName', value: '站点 Site' }, { id: 'mappings', value: siteMappings(registry) }] },
        { matcher: { id: 'byName', options: 'pollutant' }, properties: [{ id: 'displayName', value: '因子 Factor' }, { id: 'mappings', value: factorMappings(registry) }] },
        { matcher: { id: 'byName', options: 'enterprise' }, properties: [{ id: 'displayName', value: '企业 Enterprise' }] },
      ],
    },
    options: { showHeader: true, sortBy: [{ displayName: '数据龄 Data age', desc: false }] },
  };
}

/**
 * The patrol matrix of a kind: a row per site, a column per factor (Grafana's groupingToMatrix), each cell
 * the newest value coloured against the factor's limits (the limits most sites share; the description
 * names the sites with their own).
 */
export function matrixTable(registry: Registry, kind: SiteKind, codes: readonly string[], sites: readonly Site[], limits: (site: Site, code: string) => LimitLine[]): PanelSpec {
  const own: string[] = [];
  const overrides: FieldOverride[] = codes.map((code) => {
    const tally = new Map<string, number>();
    for (const s of sites) tally.set(JSON.stringify(thresholdSteps(limits(s, code))), (tally.get(JSON.stringify(thresholdSteps(limits(s, code)))) ?? 0) + 1);
    const common = [...tally].sort((a, b) => b[1] - a[1])[0]![0];
    for (const s of sites) if (JSON.stringify(thresholdSteps(limits(s, code))) !== common) own.push(`${s.id} ${code}: ${describe(limits(s, code))}`);
    const p = registry.pollutants[code];
    return {
      matcher: { id: 'byName', options: code },
      properties: [
        { id: 'displayName', value: p ? `${p.nameZh} ${p.unit}` : code },
        { id: 'thresholds', value: { mode: 'absolute', steps: JSON.parse(common) as ThresholdStep[] } },
        { id: 'color', value: { mode: 'thresholds' } },
        { id: 'custom.cellOptions', value: { type: 'color-background' } },
      ],
    };
  });
  return {
    type: 'table',
    title: '巡查矩阵（站点×因子，对照限值） Patrol matrix: site × factor against limits',
    description: `最新值 (7天回看), 按限值着色 coloured by limit level; 停报 stale: 数据龄超过停报时限的站点 (site_state)${own.length ? `; 企业自有限值 own limits: ${own.join('; ')}` : ''}.`,
    datasource: target('A', '').datasource,
    targets: [target('A', `SELECT last("value") AS "value" FROM "${kind}" WHERE ${and(siteFilter(kind), 'time > now() - 7d')} GROUP BY "site", "pollutant"`, { resultFormat: 'table' }), staleTarget([kind], siteFilter(kind))],
    transformations: [{ id: 'groupingToMatrix', filter: { id: 'byRefId', options: 'A' }, options: { columnField: 'pollutant', rowField: 'site', valueField: 'value', emptyValue: 'null' } }, ...joinStale('site\\pollutant')],
    fieldConfig: { defaults: { custom: { align: 'center' }, decimals: 2 }, overrides: [{ matcher: { id: 'byName', options: 'site\\pollutant' }, properties: [{ id: 'displayName', value: '站点 Site' }, { id: 'mappings', value: siteMappings(registry) }] }, staleOverride, ...overrides] },
  };
}

/** Valid hourly and daily means (measurement `means`, processor/means): only valid windows, one series per site and period. */
export function meansChart(registry: Registry, kind: SiteKind, code: string, dayLines: readonly LimitLine[]): PanelSpec {
  const unit = registry.pollutants[code]?.unit ?? '';
  const q = (period: 'hour' | 'day') =>
    `SELECT last("value") FROM "means" WHERE "pollutant" = '${code}' AND "period" = '${period}' AND "valid" = true AND ${and(kind === 'weather' ? '' : `"site" =~ /^$site$/`, '$timeFilter')} GROUP BY time(1h), "site" fill(none)`;
  return {
    type: 'timeseries',
    title: `${factorTitle(registry, code)} 有效小时/日均值 Valid hourly and daily means`,
    description: `HJ 212-2017 附录D, HJ 356-2019 §7: 仅有效均值 (valid only); 日均限值 daily limit: ${dayLines.length ? describe(dayLines) : '无 none'}.`,
    datasource: target('A', '').datasource,
    targets: [target('H', q('hour'), { alias: '$tag_site 小时均值 hourly' }), target('D', q('day'), { alias: '$tag_site 日均值 daily' })],
    fieldConfig: {
      defaults: {
        unit: grafanaUnit(unit),
        custom: { drawStyle: 'line', lineInterpolation: 'stepAfter', showPoints: 'always', spanNulls: true, thresholdsStyle: { mode: dayLines.length ? 'line' : 'off' } },
        color: { mode: 'palette-classic' },
        thresholds: { mode: 'absolute', steps: thresholdSteps(dayLines) },
      },
      overrides: [],
    },
  };
}

/** Ticket events (measurement `tickets`, processor/sinks/influx/ticketEvents.ts) as annotations, tagged with the level. */
export function ticketAnnotation(filter: string): Annotation {
  const query = `SELECT "text", "level", "category", "site", "rule" FROM "tickets" WHERE $timeFilter AND "change" = 'opened'${filter ? ` AND ${filter}` : ''}`;
  return {
    name: '工单 Tickets (预警/管控/超标)',
    datasource: target('A', '').datasource,
    enable: true,
    hide: false,
    iconColor: 'red',
    target: target('Anno', query, { resultFormat: 'table' }),
    query,
    textColumn: 'text',
    tagsColumn: 'level,category,site,rule',
  };
}

export const BUILTIN_ANNOTATION: Annotation = { builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' };

export const row = (title: string): PanelSpec => ({ type: 'row', title, collapsed: false, panels: [] });
