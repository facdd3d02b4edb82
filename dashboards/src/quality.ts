import type { Registry, Site } from '../../gateway/registry/schema.js';
import { GraphDrawStyle } from '@grafana/grafana-foundation-sdk/common';
import type { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { target, thresholds } from './sdk.js';
import { factorTitle, timeseriesPanel } from './panels.js';
const DAY_MS = 86_400_000;

/** the values a site should send in a day: every channel of every device once per polling/reporting interval */
export function expectedPerDay(registry: Registry, site: Site): number {
  return site.devices.reduce((sum, d) => sum + (d.kind === 'modbus' ? (registry.inputs.modbus.maps[d.map]?.channels.length ?? 0) : d.channels.length) * (DAY_MS / d.intervalMs), 0);
}

/**
 * Per site and day, values received and values flagged N as a percentage of the values the site should
 * send (HJ 356-2019 有效数据传输率 counts valid values against the values due): one target per site,
 * as each site's expected count comes from its own devices and intervals.
 */
export function ratePanel(registry: Registry, which: 'received' | 'valid'): TimeseriesPanel {
  return timeseriesPanel(which === 'received' ? '传输率（按站点按日） Transmission rate per site per day' : '有效数据率（按站点按日） Valid-data rate per site per day')
    .description(`${which === 'received' ? '收到的数据数' : '标记N的数据数'} / 应传输数据数 (devices' channels × 86400 s / interval), %.`)
    .targets(
      registry.sites.map((s, i) =>
        target(`S${i + 1}`, `SELECT count("value") * 100 / ${expectedPerDay(registry, s)} AS "rate" FROM "${s.kind}" WHERE "site" = '${s.id}'${which === 'valid' ? ` AND "flag" = 'N'` : ''} AND $timeFilter GROUP BY time(1d), "site" fill(0)`, { alias: `${s.id} ${s.name}` }),
      ),
    )
    .unit('percent')
    .min(0)
    .max(100)
    .drawStyle(GraphDrawStyle.Bars)
    .thresholds(thresholds([{ color: 'red', value: null }, { color: 'green', value: 90 }]));
}

/** 一企一管: the day's discharged volume (m³) and each averaged pollutant's load (kg = mg/L × m³ / 1000) from the valid daily means */
export function volumeAndLoad(registry: Registry): TimeseriesPanel[] {
  const spec = registry.means.find((m) => m.siteKind === 'wastewater_pipe');
  if (!spec) return [];
  const day = (code: string) => `FROM "means" WHERE "pollutant" = '${code}' AND "period" = 'day' AND "valid" = true AND "site" =~ /^$site$/ AND $timeFilter GROUP BY time(1d), "site" fill(none)`;
  return [
    timeseriesPanel('日排水量 Daily volume m³')
      .description('The volume of the valid daily mean (HJ 212-2017 附录D: ΣD).')
      .withTarget(target('V', `SELECT last("volume") AS "volume" ${day(spec.pollutants[0]!)}`, { alias: '$tag_site 日排水量 m³' }))
      .unit('m3')
      .drawStyle(GraphDrawStyle.Bars),
    timeseriesPanel('日污染物负荷 Daily pollutant load kg')
      .description('Valid daily flow-weighted mean × daily volume: mg/L × m³ / 1000 = kg.')
      .targets(spec.pollutants.map((code) => target(code, `SELECT last("value") * last("volume") / 1000 AS "load" ${day(code)}`, { alias: `$tag_site ${factorTitle(registry, code)} kg` })))
      .unit('kg')
      .drawStyle(GraphDrawStyle.Bars),
  ];
}
