import type { Registry, SiteKind } from '../../gateway/registry/schema.js';
import { SITE_STATE } from '../../processor/sinks/influx/siteState.js';
import type { DataTransformerConfig } from '@grafana/grafana-foundation-sdk/dashboard';
import { FrameGeometrySourceBuilder, FrameGeometrySourceMode, MapLayerOptionsBuilder, TableCellDisplayMode } from '@grafana/grafana-foundation-sdk/common';
import { ControlsOptionsBuilder, MapViewConfigBuilder, PanelBuilder as GeomapPanel, TooltipMode, TooltipOptionsBuilder } from '@grafana/grafana-foundation-sdk/geomap';
import type { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { DS, FieldColorModeId, colors, target, thresholds, valueMap, type InfluxTarget } from './sdk.js';

/**
 * Measurement `site_state` (processor/sinks/influx/siteState.ts), written by the gateway every minute for
 * every site of the registry: where it is, how old its newest reading is and whether that is beyond its
 * staleness (停报), the highest level of its tickets not closed. InfluxQL cannot compare a row's time
 * with now(), so the gateway, which knows the time, marks a silent site.
 */
const kindFilter = (kinds: readonly SiteKind[]) => (kinds.length === 1 ? `"kind" = '${kinds[0]}'` : `"kind" =~ /^(${kinds.join('|')})$/`);
const and = (...parts: string[]) => parts.filter(Boolean).join(' AND ');

/** the second target of a latest-value table or patrol matrix: each site's stale mark, joined to its rows by site */
export const staleTarget = (kinds: readonly SiteKind[], filter: string): InfluxTarget =>
  target('B', `SELECT last("stale") AS "stale" FROM "site_state" WHERE ${and(kindFilter(kinds), filter, 'time > now() - 7d')} GROUP BY "site"`, { resultFormat: 'table' });

export const STALE_MAPPINGS = valueMap({ '0': { text: '在线 live', color: 'green', index: 0 }, '1': { text: '停报 stale', color: 'red', index: 1 } });
/** the 停报 column: 在线 green / 停报 red */
export const withStale = (panel: TablePanel): TablePanel =>
  panel.overrideByName('stale', [
    { id: 'displayName', value: '停报 Stale' },
    { id: 'mappings', value: STALE_MAPPINGS },
    { id: 'custom.cellOptions', value: { type: TableCellDisplayMode.ColorBackground } },
  ]);

/** joins the stale mark (refId B, its time dropped) to the rows of refId A by their site column */
export const joinStale = (siteField: string): DataTransformerConfig[] => [
  { id: 'organize', filter: { id: 'byRefId', options: 'B' }, options: { excludeByName: { Time: true }, renameByName: siteField === 'site' ? {} : { site: siteField } } },
  { id: 'joinByField', options: { byField: siteField, mode: 'outerTabular' } },
];

const STATE_TEXT: Record<keyof typeof SITE_STATE, [string, string]> = {
  normal: ['正常 normal', 'green'],
  warning: ['预警 warning', 'yellow'],
  control: ['管控 control', 'orange'],
  exceedance: ['超标 exceedance', 'red'],
  stale: ['停报 stale', 'purple'],
};
const STATE_MAPPINGS = valueMap(Object.fromEntries(Object.entries(SITE_STATE).map(([k, v]) => [String(v), { text: STATE_TEXT[k as keyof typeof SITE_STATE][0], color: STATE_TEXT[k as keyof typeof SITE_STATE][1], index: v }])));

/**
 * The park map: a marker per site at the registry's coordinates, coloured by its state (the highest level
 * of its open tickets; 停报 when silent). The default basemap is Grafana's (CARTO tiles); a park without
 * internet access sets an intranet tile server (xyz) as the basemap in Grafana.
 */
export function siteMap(registry: Registry): GeomapPanel {
  const lat = registry.sites.reduce((a, s) => a + s.location.lat, 0) / registry.sites.length;
  const lon = registry.sites.reduce((a, s) => a + s.location.lon, 0) / registry.sites.length;
  const markers = new MapLayerOptionsBuilder()
    .type('markers')
    .name('站点 Sites')
    .location(new FrameGeometrySourceBuilder().mode(FrameGeometrySourceMode.Coords).latitude('lat').longitude('lon'))
    .config({
      showLegend: true,
      style: { color: { field: 'state', fixed: 'green' }, size: { fixed: 8 }, symbol: { mode: 'fixed', fixed: 'img/icons/marker/circle.svg' }, text: { mode: 'field', field: 'site', fixed: '' }, textConfig: { fontSize: 10, offsetY: -12, textAlign: 'center', textBaseline: 'bottom' } },
    })
    .tooltip(true);
  return new GeomapPanel()
    .title('园区地图：站点状态 Park map: site state')
    .description('站点坐标来自登记册 (registry location, WGS84); 颜色: 未结工单最高级别, 停报 = 数据龄超过停报时限 (measurement site_state).')
    .datasource(DS)
    .withTarget(target('A', `SELECT last("lat") AS "lat", last("lon") AS "lon", last("state") AS "state", last("open") AS "open", last("age_s") AS "age_s" FROM "site_state" WHERE time > now() - 7d GROUP BY "site", "kind", "enterprise"`, { resultFormat: 'table' }))
    .colorScheme(colors(FieldColorModeId.Thresholds))
    .thresholds(thresholds(Object.entries(SITE_STATE).map(([k, v]) => ({ color: STATE_TEXT[k as keyof typeof SITE_STATE][1], value: v === 0 ? null : v }))))
    .mappings(STATE_MAPPINGS)
    .overrideByName('state', [{ id: 'displayName', value: '状态 State' }])
    .overrideByName('open', [{ id: 'displayName', value: '未结工单 Open tickets' }, { id: 'mappings', value: [] }])
    .overrideByName('age_s', [{ id: 'displayName', value: '数据龄 Data age' }, { id: 'unit', value: 's' }, { id: 'mappings', value: [] }])
    .view(new MapViewConfigBuilder().id('coords').lat(Number(lat.toFixed(5))).lon(Number(lon.toFixed(5))).zoom(14))
    .controls(new ControlsOptionsBuilder().showZoom(true).mouseWheelZoom(true).showAttribution(true))
    .basemap(new MapLayerOptionsBuilder().type('default').name('底图 Basemap').config({}))
    .layers([markers])
    .tooltip(new TooltipOptionsBuilder().mode(TooltipMode.Details));
}
