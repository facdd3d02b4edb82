import type { Registry } from '../../gateway/registry/schema.js';
import { target, type FieldOverride, type Panel } from './model.js';

type PanelSpec = Omit<Panel, 'id' | 'gridPos'>;

const LEVEL_MAPPINGS = [{ type: 'value', options: { warning: { text: '预警 warning', color: 'yellow', index: 0 }, control: { text: '管控 control', color: 'orange', index: 1 }, exceedance: { text: '超标 exceedance', color: 'red', index: 2 } } }];
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
export function ticketPanels(registry: Registry): [PanelSpec, { w: number; h: number }][] {
  const enterpriseNames = Object.fromEntries(registry.enterprises.map((e) => [e.id, { text: `${e.id} ${e.name}` }]));
  return [
    [
      {
        type: 'table',
        title: '开单（按企业、级别） Tickets opened per enterprise and level',
        datasource: target('A', '').datasource,
        targets: [target('A', `SELECT count("id") AS "opened" FROM "tickets" WHERE "change" = 'opened' AND $timeFilter GROUP BY "enterprise", "level"`, { resultFormat: 'table' })],
        fieldConfig: {
          defaults: {},
          overrides: [
            { matcher: { id: 'byName', options: 'enterprise' }, properties: [{ id: 'displayName', value: '企业 Enterprise' }, { id: 'mappings', value: [{ type: 'value', options: enterpriseNames }] }] },
            { matcher: { id: 'byName', options: 'level' }, properties: [{ id: 'displayName', value: '级别 Level' }, { id: 'mappings', value: LEVEL_MAPPINGS }] },
            { matcher: { id: 'byName', options: 'opened' }, properties: [{ id: 'displayName', value: '开单数 Opened' }] },
          ],
        },
      },
      { w: 12, h: 10 },
    ],
    [
      {
        type: 'timeseries',
        title: '开单（按包联干部） Tickets opened per officer',
        description: '包联干部: the tickets of their enterprises and of the sites without an enterprise that name them (registry).',
        datasource: target('A', '').datasource,
        targets: registry.officers.map((o) => target(o.id, `SELECT count("id") AS "opened" FROM "tickets" WHERE "change" = 'opened' AND ${officerScope(registry, o.id)} AND $timeFilter GROUP BY time(1h) fill(none)`, { alias: `${o.name} ${o.id}` })),
        fieldConfig: { defaults: { unit: 'short', custom: { drawStyle: 'bars', stacking: { mode: 'normal', group: 'A' } } }, overrides: [] },
      },
      { w: 12, h: 10 },
    ],
    ...ticketStatePanels(registry),
    [
      {
        type: 'table',
        title: '工单事件 Ticket events',
        datasource: target('A', '').datasource,
        targets: [target('A', `SELECT "id", "change", "status", "level", "site", "enterprise", "text" FROM "tickets" WHERE $timeFilter ORDER BY time DESC LIMIT 500`, { resultFormat: 'table' })],
        fieldConfig: {
          defaults: {},
          overrides: [
            { matcher: { id: 'byName', options: 'level' }, properties: [{ id: 'displayName', value: '级别 Level' }, { id: 'mappings', value: LEVEL_MAPPINGS }] },
            { matcher: { id: 'byName', options: 'enterprise' }, properties: [{ id: 'displayName', value: '企业 Enterprise' }, { id: 'mappings', value: [{ type: 'value', options: enterpriseNames }] }] },
            { matcher: { id: 'byName', options: 'id' }, properties: [{ id: 'displayName', value: '工单号 Ticket' }] },
            { matcher: { id: 'byName', options: 'change' }, properties: [{ id: 'displayName', value: '事件 Change' }] },
            { matcher: { id: 'byName', options: 'status' }, properties: [{ id: 'displayName', value: '状态 Status' }] },
            { matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: '时间 Time' }, { id: 'unit', value: 'dateTimeAsLocal' }] },
          ],
        },
      },
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
export const OVERDUE_NOTE = '超期: 开单超过24小时未结 (overdue: not closed 24 h after opening, until tickets carry deadlines)';

const counts: FieldOverride[] = [
  { matcher: { id: 'byName', options: 'open' }, properties: [{ id: 'displayName', value: '未结 Open' }, { id: 'unit', value: 'short' }] },
  { matcher: { id: 'byName', options: 'overdue' }, properties: [{ id: 'displayName', value: '超期 Overdue' }, { id: 'unit', value: 'short' }, { id: 'custom.cellOptions', value: { type: 'color-text' } }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] } }] },
];

/** open and overdue tickets summed per enterprise, officer or level (a table) */
export const openTable = (title: string, by: 'enterprise' | 'officer' | 'level', names: Record<string, { text: string }>, label: string): PanelSpec => ({
  type: 'table',
  title,
  description: `未结: 未关闭的工单 (open, acknowledged, rectifying, awaiting verification). ${OVERDUE_NOTE}.`,
  datasource: target('A', '').datasource,
  targets: [target('A', `SELECT sum("open") AS "open", sum("overdue") AS "overdue" FROM (${latestState}) GROUP BY "${by}"`, { resultFormat: 'table' })],
  fieldConfig: { defaults: {}, overrides: [{ matcher: { id: 'byName', options: by }, properties: [{ id: 'displayName', value: label }, { id: 'mappings', value: [{ type: 'value', options: { ...names, '': { text: by === 'enterprise' ? '无企业 no enterprise' : '-' } } }] }] }, ...counts] },
  options: { showHeader: true, sortBy: [{ displayName: '未结 Open', desc: true }] },
});

/** the overview's open and overdue tickets per level */
export const openByLevel = (): PanelSpec => openTable('未结与超期工单（按级别） Open and overdue tickets by level', 'level', Object.fromEntries(Object.entries(LEVEL_MAPPINGS[0]!.options).map(([k, v]) => [k, { text: v.text }])), '级别 Level');

function ticketStatePanels(registry: Registry): [PanelSpec, { w: number; h: number }][] {
  const enterpriseNames = Object.fromEntries(registry.enterprises.map((e) => [e.id, { text: `${e.id} ${e.name}` }]));
  const officerNames = Object.fromEntries(registry.officers.map((o) => [o.id, { text: `${o.id} ${o.name}` }]));
  const table = openTable;
  return [
    [table('未结与超期工单（按企业） Open and overdue tickets per enterprise', 'enterprise', enterpriseNames, '企业 Enterprise'), { w: 12, h: 12 }],
    [table('未结与超期工单（按包联干部） Open and overdue tickets per officer', 'officer', officerNames, '包联干部 Officer'), { w: 12, h: 12 }],
    [
      {
        type: 'timeseries',
        title: '未结与超期工单（按级别） Open and overdue tickets by level',
        description: OVERDUE_NOTE,
        datasource: target('A', '').datasource,
        targets: (['warning', 'control', 'exceedance'] as const).flatMap((level) =>
          (['open', 'overdue'] as const).map((f) =>
            target(
              `${level}_${f}`,
              `SELECT sum("${f}") AS "${f}" FROM (SELECT last("${f}") AS "${f}" FROM "ticket_state" WHERE "level" = '${level}' AND $timeFilter GROUP BY time($__interval), "enterprise", "officer") WHERE $timeFilter GROUP BY time($__interval) fill(none)`,
              { alias: `${LEVEL_MAPPINGS[0]!.options[level].text} · ${f === 'open' ? '未结 open' : '超期 overdue'}` },
            ),
          ),
        ),
        fieldConfig: { defaults: { unit: 'short', custom: { drawStyle: 'line', lineInterpolation: 'stepAfter' } }, overrides: [] },
      },
      { w: 24, h: 10 },
    ],
  ];
}
