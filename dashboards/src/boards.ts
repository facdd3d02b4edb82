import type { Registry, SiteKind } from '../../gateway/registry/schema.js';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { board, colors, DS, FieldColorModeId, legend, row, target, thresholds, valueMap, variable, type Cell, type CustomVariableBuilder } from './sdk.js';
import { builtInAnnotation, factorChart, flagsByFlag, latestTable, matrixTable, meansChart, siteFilter, tablePanel, ticketAnnotation, named } from './panels.js';
import { LEVEL_MAPPINGS, openByLevel, ticketPanels } from './tickets.js';
import { attributionTable, pollutionRose, roseFactors, windRose } from './air.js';
import { healthPanels, statPanel } from './health.js';
import { siteMap } from './state.js';
import { expectedPerDay, ratePanel, volumeAndLoad } from './quality.js';
import { dayLimits, enterpriseName, limitsAt, pollutantsOf, sitesOf, staleAfterMs } from './registryFacts.js';

const HALF = { w: 12, h: 8 };
const FULL = { w: 24, h: 10 };

/** a park dashboard: its panels laid out, its variables, the ticket annotations of its sites */
const dashboard = (uid: string, title: string, description: string, cells: Cell[], variables: CustomVariableBuilder[], annotationFilter: string, time?: string): Dashboard =>
  board({ uid, title, description, cells, variables, annotations: [builtInAnnotation(), ticketAnnotation(annotationFilter)], ...(time ? { time } : {}) });

const staleOf = (registry: Registry, kinds: readonly SiteKind[]) => Math.max(...registry.sites.filter((s) => kinds.includes(s.kind)).map((s) => staleAfterMs(registry, s)));

const siteVariable = (registry: Registry, kind: SiteKind, label: string): CustomVariableBuilder =>
  variable(
    'site',
    label,
    sitesOf(registry, kind).map((s) => ({ text: `${s.id} ${s.name}`, value: s.id })),
  );

/** the charts of a kind's factors with their limit lines (the valve state apart), the means, flags and the latest values */
function kindPanels(registry: Registry, kind: SiteKind, groupBy: string[]): Cell[] {
  const sites = sitesOf(registry, kind);
  const codes = pollutantsOf(registry, kind).filter((c) => c !== 'w99002');
  const out: Cell[] = [
    [row('巡查 Patrol'), FULL],
    [matrixTable(registry, kind, codes, sites, (s, code) => limitsAt(registry, s, code)), { w: 24, h: Math.min(4 + sites.length, 20) }],
    [row('实时值 Readings (flag N) · 限值 limits'), FULL],
  ];
  for (const code of codes) out.push([factorChart(registry, kind, code, sites, (s) => limitsAt(registry, s, code)), HALF]);
  if (pollutantsOf(registry, kind).includes('w99002'))
    out.push([
      new StateTimelinePanel()
        .title('阀门状态 Valve state (w99002)')
        .datasource(DS)
        .withTarget(target('A', `SELECT last("value") FROM "${kind}" WHERE "pollutant" = 'w99002' AND ${siteFilter(kind)} AND $timeFilter GROUP BY time($__interval), "site" fill(previous)`, { alias: '$tag_site' }))
        .colorScheme(colors(FieldColorModeId.Thresholds))
        .thresholds(thresholds([{ color: 'red', value: null }, { color: 'green', value: 1 }]))
        .mappings(valueMap({ '0': { text: '关 closed', color: 'red', index: 0 }, '1': { text: '开 open', color: 'green', index: 1 } }))
        .legend(legend()),
      FULL,
    ]);
  const means = registry.means.find((m) => m.siteKind === kind);
  if (means) {
    out.push([row('有效均值 Valid means'), FULL]);
    for (const code of means.pollutants) out.push([meansChart(registry, kind, code, sites[0] ? limitsAt(registry, sites[0], code, dayLimits) : []), HALF]);
    if (kind === 'wastewater_pipe') for (const p of volumeAndLoad(registry)) out.push([p, HALF]);
  }
  out.push([row('数据质量与最新值 Data quality and latest values'), FULL]);
  out.push([flagsByFlag([kind], siteFilter(kind)), FULL]);
  out.push([latestTable(registry, [kind], siteFilter(kind), staleOf(registry, [kind]), groupBy), { w: 24, h: 12 }]);
  return out;
}

export function rainOutlets(registry: Registry): Dashboard {
  return dashboard('park-rain-outlets', '雨水排口 Rain outlets', 'Rain outlets: every factor with its limit lines, flags, latest values with data age.', kindPanels(registry, 'rain_outlet', ['site', 'pollutant']), [siteVariable(registry, 'rain_outlet', '雨水排口 Outlet')], `"site" =~ /^$site$/`);
}

export function wastewaterPipes(registry: Registry): Dashboard {
  const enterprises = [...new Set(sitesOf(registry, 'wastewater_pipe').map((s) => enterpriseName(registry, s)).filter((n): n is string => n !== undefined))];
  return dashboard(
    'park-wastewater-pipes',
    '一企一管 One enterprise, one pipe',
    'Pipes per enterprise: flow, concentrations with limit lines (纳管协议 where the enterprise has one), valve state, valid hourly and daily means, flags, latest values with data age.',
    kindPanels(registry, 'wastewater_pipe', ['enterprise', 'site', 'pollutant']),
    [variable('enterprise', '企业 Enterprise', enterprises.map((n) => ({ text: n, value: n }))), siteVariable(registry, 'wastewater_pipe', '排口 Pipe')],
    `"site" =~ /^$site$/`,
  );
}

export function airFence(registry: Registry): Dashboard {
  const panels = kindPanels(registry, 'air_fence', ['enterprise', 'site', 'pollutant']);
  panels.push([row('气象 Weather'), FULL]);
  for (const code of pollutantsOf(registry, 'weather')) panels.push([factorChart(registry, 'weather', code, sitesOf(registry, 'weather'), () => []), HALF]);
  panels.push([row('风玫瑰与污染玫瑰 Wind rose and pollution roses'), FULL], [windRose(), HALF]);
  for (const code of roseFactors(registry)) panels.push([pollutionRose(registry, code), HALF]);
  panels.push([row('异味溯源 Odor attribution'), FULL], [attributionTable(registry), { w: 24, h: 10 }]);
  return dashboard('park-air-fence', '厂界VOC/异味 Air fence-line', 'Fence-line stations: every factor with its limit lines, weather, wind rose and pollution roses, odor attribution candidates, flags, latest values with data age.', panels, [siteVariable(registry, 'air_fence', '监测站 Station')], `"site" =~ /^$site$/`);
}

const KINDS: SiteKind[] = ['rain_outlet', 'wastewater_pipe', 'air_fence', 'weather'];
const KIND_ZH: Record<SiteKind, string> = { rain_outlet: '雨水排口 Rain outlets', wastewater_pipe: '一企一管 Wastewater pipes', air_fence: '厂界 Air fence-line', weather: '气象 Weather' };

export function parkOverview(registry: Registry): Dashboard {
  const panels: Cell[] = [[row('园区地图 Park map'), FULL], [siteMap(registry), { w: 24, h: 14 }], [row('巡查矩阵 Patrol matrix'), FULL]];
  panels.push([latestTable(registry, KINDS, '', staleOf(registry, KINDS), ['kind', 'site', 'enterprise', 'pollutant']).title('巡查矩阵：各站点各因子最新值与数据龄 Patrol matrix: latest value and data age of every site and factor'), { w: 24, h: 14 }]);
  panels.push([row('读数与标记 Readings and flags'), FULL]);
  for (const kind of KINDS)
    panels.push([statPanel(`${KIND_ZH[kind]} · 读数 readings`, target('A', `SELECT count("value") FROM "${kind}" WHERE $timeFilter`, { alias: '读数 readings' }), 'short', [{ color: 'red', value: null }, { color: 'green', value: 1 }]), { w: 6, h: 4 }]);
  panels.push([flagsByFlag(KINDS, ''), FULL]);
  panels.push([row('工单 Tickets'), FULL], [openByLevel(), { w: 24, h: 6 }]);
  panels.push([
    tablePanel('工单（按级别 预警/管控/超标） Tickets by level')
      .withTarget(target('A', 'SELECT last("id") AS "id", last("count") AS "count", last("text") AS "text" FROM "tickets" WHERE $timeFilter GROUP BY "level", "category", "site", "enterprise", "rule", "pollutant"', { resultFormat: 'table' }))
      .overrideByName('level', named('级别 Level', { id: 'mappings', value: LEVEL_MAPPINGS })),
    { w: 24, h: 10 },
  ]);
  return dashboard('park-overview', '园区总览 Park overview', 'The park map (sites coloured by state), the patrol matrix (every site and factor: latest value, flag, data age, 停报 stale), readings per kind, flagged readings by flag, open and overdue tickets by level, tickets by level.', panels, [], '');
}

export function dataQuality(registry: Registry): Dashboard {
  const panels: Cell[] = [
    [row('传输与有效数据 Transmission and valid data'), FULL],
    [ratePanel(registry, 'received'), { w: 24, h: 10 }],
    [ratePanel(registry, 'valid'), { w: 24, h: 10 }],
    [row('数据标记 Flags'), FULL],
    [flagsByFlag(KINDS, ''), FULL],
    [latestTable(registry, KINDS, '', staleOf(registry, KINDS), ['kind', 'site', 'enterprise', 'pollutant']), { w: 24, h: 14 }],
  ];
  return dashboard('park-data-quality', '数据质量 Data quality', `Per site and day: values received and values flagged N against the values due (${registry.sites.map((s) => `${s.id} ${expectedPerDay(registry, s)}/d`).join(', ')}); flagged values by flag; data age.`, panels, [], '', 'now-7d');
}

export function tickets(registry: Registry): Dashboard {
  return dashboard('park-tickets', '工单 Tickets', 'Tickets opened per enterprise, level and officer (包联干部) (measurement tickets); open and overdue tickets per enterprise, officer and level (measurement ticket_state); the ticket events.', [[row('工单 Tickets'), FULL], ...ticketPanels(registry)], [], '', 'now-7d');
}

/** the gateway's own health (measurement gateway_health: the figures of its /metrics) */
export function gatewayHealth(registry: Registry): Dashboard {
  const inputs = [...new Set(registry.sites.flatMap((s) => s.devices.map((d) => d.kind)))].sort();
  return dashboard('park-gateway-health', '网关运行状态 Gateway health', 'The gateway itself: readings in and rejected per input, dead letters, InfluxDB writes, spool backlog, devices online, alerts pending, uptime (measurement gateway_health, written every minute from its /metrics).', [[row('网关 Gateway'), FULL], ...healthPanels(inputs)], [], '');
}

/** every dashboard by its file name under dashboards/json */
export function allDashboards(registry: Registry): Record<string, Dashboard> {
  return { 'park-overview.json': parkOverview(registry), 'rain-outlets.json': rainOutlets(registry), 'wastewater-pipes.json': wastewaterPipes(registry), 'air-fence.json': airFence(registry), 'data-quality.json': dataQuality(registry), 'tickets.json': tickets(registry), 'gateway-health.json': gatewayHealth(registry) };
}
