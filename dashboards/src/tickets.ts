import type { Registry } from '../../gateway/registry/schema.js';
import type { DynamicConfigValue } from '@grafana/grafana-foundation-sdk/dashboard';
import { GraphDrawStyle, LineInterpolation, TableCellDisplayMode } from '@grafana/grafana-foundation-sdk/common';
import type { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { target, thresholds, valueMap, type Cell } from './sdk.js';
import { named, sortBy, stackedBars, tablePanel, timeseriesPanel } from './panels.js';

const LEVELS = { warning: { text: '预警 warning', color: 'yellow', index: 0 }, control: { text: '管控 control', color: 'orange', index: 1 }, exceedance: { text: '超标 exceedance', color: 'red', index: 2 } };
export const LEVEL_MAPPINGS = valueMap(LEVELS);
const escape = (s: string) => s.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&');

/**
 * 包联干部 scope as InfluxQL: the tickets of the officer's enterprises and of the sites without an
 * enterprise that name the officer (processor/tickets: the ticket's officer is the enterprise's or the site's).
 */
export function officerScope(registry: Registry, officer: string): string {
  const enterprises = registry.enterprises.filter((e) => e.officer === officer).map((e) => e.id);
  const sites = registry.sites.filter((s) => s.enterprise === undefined && s.officer === officer).map((s) => s.id);
  const parts = [...(enterprises.length ? [`"enterprise" =~ /^(${enterprises.map(escape).join('|')})$/`] : []), ...(sites.length ? [`"site" =~ /^(${sites.map(escape).join('|')})$/`] : [])];
  return parts.length ? `(${parts.join(' OR ')})` : `"site" = ''`;
}

/** Tickets opened in the range per enterprise and level, and per officer; the latest ticket events. */
export function ticketPanels(registry: Registry): Cell[] {
  const enterpriseNames = valueMap(Object.fromEntries(registry.enterprises.map((e) => [e.id, { text: `${e.id} ${e.name}` }])));
  return [
    [
      tablePanel('开单（按企业、级别） Tickets opened per enterprise and level')
        .withTarget(target('A', `SELECT count("id") AS "opened" FROM "tickets" WHERE "change" = 'opened' AND $timeFilter GROUP BY "enterprise", "level"`, { resultFormat: 'table' }))
        .overrideByName('enterprise', named('企业 Enterprise', { id: 'mappings', value: enterpriseNames }))
        .overrideByName('level', named('级别 Level', { id: 'mappings', value: LEVEL_MAPPINGS }))
        .overrideByName('opened', named('开单数 Opened')),
      { w: 12, h: 10 },
    ],
    [
      timeseriesPanel('开单（按包联干部） Tickets opened per officer')
        .description('包联干部: the tickets of their enterprises and of the sites without an enterprise that name them (registry).')
        .targets(registry.officers.map((o) => target(o.id, `SELECT count("id") AS "opened" FROM "tickets" WHERE "change" = 'opened' AND ${officerScope(registry, o.id)} AND $timeFilter GROUP BY time(1h) fill(none)`, { alias: `${o.name} ${o.id}` })))
        .unit('short')
        .drawStyle(GraphDrawStyle.Bars)
        .stacking(stackedBars()),
      { w: 12, h: 10 },
    ],
    ...ticketStatePanels(registry),
    [
      tablePanel('工单事件 Ticket events')
        .withTarget(target('A', `SELECT "id", "change", "status", "level", "site", "enterprise", "text" FROM "tickets" WHERE $timeFilter ORDER BY time DESC LIMIT 500`, { resultFormat: 'table' }))
        .overrideByName('level', named('级别 Level', { id: 'mappings', value: LEVEL_MAPPINGS }))
        .overrideByName('enterprise', named('企业 Enterprise', { id: 'mappings', value: enterpriseNames }))
        .overrideByName('id', named('工单号 Ticket'))
        .overrideByName('change', named('事件 Change'))
        .overrideByName('status', named('状态 Status'))
        .overrideByName('Time', named('时间 Time', { id: 'unit', value: 'dateTimeAsLocal' })),
      { w: 24, h: 12 },
    ],
  ];
}

/**
 * The tickets not closed and the overdue ones, from measurement `ticket_state` (the gateway writes the
 * counts from SQLite every minute, every enterprise / officer / level, zeros included): the latest count of
 * each series, summed per enterprise, officer or level.
 */
const latestState = `SELECT last("open") AS "open", last("overdue") AS "overdue" FROM "ticket_state" WHERE time > now() - 7d GROUP BY "enterprise", "officer", "level"`;
export const OVERDUE_NOTE = '超期: 超过整改期限仍未结 (overdue: past the ticket\'s deadline and not closed; deadlines per level from the registry, processor/tickets isOverdue)';

const counts: [string, DynamicConfigValue[]][] = [
  ['open', named('未结 Open', { id: 'unit', value: 'short' })],
  ['overdue', named('超期 Overdue', { id: 'unit', value: 'short' }, { id: 'custom.cellOptions', value: { type: TableCellDisplayMode.ColorText } }, { id: 'thresholds', value: thresholds([{ color: 'green', value: null }, { color: 'red', value: 1 }]).build() })],
];

/** open and overdue tickets summed per enterprise, officer or level (a table) */
export function openTable(title: string, by: 'enterprise' | 'officer' | 'level', names: Record<string, { text: string }>, label: string): TablePanel {
  const panel = tablePanel(title)
    .description(`未结: 未关闭的工单 (open, acknowledged, rectifying, awaiting verification). ${OVERDUE_NOTE}.`)
    .withTarget(target('A', `SELECT sum("open") AS "open", sum("overdue") AS "overdue" FROM (${latestState}) GROUP BY "${by}"`, { resultFormat: 'table' }))
    .overrideByName(by, named(label, { id: 'mappings', value: valueMap({ ...names, '': { text: by === 'enterprise' ? '无企业 no enterprise' : '-' } }) }));
  for (const [field, properties] of counts) panel.overrideByName(field, properties);
  return panel.showHeader(true).sortBy(sortBy('未结 Open', true));
}

/** the overview's open and overdue tickets per level */
export const openByLevel = (): TablePanel => openTable('未结与超期工单（按级别） Open and overdue tickets by level', 'level', Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [k, { text: v.text }])), '级别 Level');

function ticketStatePanels(registry: Registry): Cell[] {
  const enterpriseNames = Object.fromEntries(registry.enterprises.map((e) => [e.id, { text: `${e.id} ${e.name}` }]));
  const officerNames = Object.fromEntries(registry.officers.map((o) => [o.id, { text: `${o.id} ${o.name}` }]));
  const table = openTable;
  return [
    [table('未结与超期工单（按企业） Open and overdue tickets per enterprise', 'enterprise', enterpriseNames, '企业 Enterprise'), { w: 12, h: 12 }],
    [table('未结与超期工单（按包联干部） Open and overdue tickets per officer', 'officer', officerNames, '包联干部 Officer'), { w: 12, h: 12 }],
    [
      timeseriesPanel('未结与超期工单（按级别） Open and overdue tickets by level')
        .description(OVERDUE_NOTE)
        .targets(
          (['warning', 'control', 'exceedance'] as const).flatMap((level) =>
            (['open', 'overdue'] as const).map((f) =>
              target(
                `${level}_${f}`,
                `SELECT sum("${f}") AS "${f}" FROM (SELECT last("${f}") AS "${f}" FROM "ticket_state" WHERE "level" = '${level}' AND $timeFilter GROUP BY time($__interval), "enterprise", "officer") WHERE $timeFilter GROUP BY time($__interval) fill(none)`,
                { alias: `${LEVELS[level].text} · ${f === 'open' ? '未结 open' : '超期 overdue'}` },
              ),
            ),
          ),
        )
        .unit('short')
        .drawStyle(GraphDrawStyle.Line)
        .lineInterpolation(LineInterpolation.StepAfter),
      { w: 24, h: 10 },
    ],
  ];
}
