import type { Registry } from '../../gateway/registry/schema.js';
import { target, type Panel } from './model.js';

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
