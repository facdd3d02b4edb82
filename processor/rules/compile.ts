import type { Registry, Site, SiteKind } from '../../gateway/registry/schema.js';
import type { Rule, RuleEvent } from './schema.js';

type Of<T extends Rule['type']> = Extract<Rule, { type: T }>;

/** An exceedance rule bound to one site, with the enterprise's own limit applied. */
export interface BoundExceedance {
  rule: Of<'exceedance'>;
  site: Site;
  category: RuleEvent['category'];
}

export interface BoundDevice {
  site: Site;
  device: string;
  timeoutMs: number;
  rule: Of<'no-data'>;
}

/** Rules resolved against the park: which rule watches which series. Built once at start-up. */
export interface CompiledRules {
  /** key `site/pollutant` → exceedance rules on that series */
  exceedance: Map<string, BoundExceedance[]>;
  /** key `site/pollutant` → flatline rules */
  flatline: Map<string, Of<'flatline'>[]>;
  /** site → the instrument rule that applies (the first one whose siteKind matches or is unset) */
  instrument: Map<string, Of<'instrument'>>;
  noData: BoundDevice[];
  outOfRange?: Of<'out-of-range'>;
  dryWeather?: Of<'dry-weather-flow'>;
  /** rain outlets, and the weather station that reports rain and wind */
  rainOutlets: Site[];
  weather?: Site;
}

export const channelsOf = (registry: Registry, site: Site): string[] =>
  site.devices.flatMap((d) => (d.kind === 'mqtt' ? d.channels : (registry.inputs.modbus.maps[d.map]?.channels.map((c) => c.pollutant) ?? [])));

const applies = (kind: SiteKind | undefined, site: Site) => kind === undefined || kind === site.kind;

/** Ticket category of an exceedance: odor at the fence line, discharge elsewhere. */
export const exceedanceCategory = (site: Site): RuleEvent['category'] => (site.kind === 'air_fence' ? 'odor' : 'exceedance');

export function compileRules(registry: Registry): CompiledRules {
  const out: CompiledRules = { exceedance: new Map(), flatline: new Map(), instrument: new Map(), noData: [], rainOutlets: [] };
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);
  const enterprises = new Map(registry.enterprises.map((e) => [e.id, e]));
  for (const site of registry.sites) {
    const channels = new Set(channelsOf(registry, site));
    const overrides = site.enterprise ? (enterprises.get(site.enterprise)?.limits ?? []) : [];
    for (const rule of registry.rules) {
      if (rule.type === 'exceedance' && rule.siteKind === site.kind && channels.has(rule.pollutant)) {
        const o = overrides.find((x) => x.rule === rule.id);
        const bound = o ? { ...rule, max: o.max ?? rule.max, min: o.min ?? rule.min, standard: o.standard ?? rule.standard, clearMax: o.max ?? rule.clearMax, clearMin: o.min ?? rule.clearMin } : rule;
        push(out.exceedance, `${site.id}/${rule.pollutant}`, { rule: bound, site, category: exceedanceCategory(site) });
      } else if (rule.type === 'flatline' && rule.siteKind === site.kind && channels.has(rule.pollutant)) {
        push(out.flatline, `${site.id}/${rule.pollutant}`, rule);
      } else if (rule.type === 'instrument' && applies(rule.siteKind, site) && !out.instrument.has(site.id)) {
        out.instrument.set(site.id, rule);
      } else if (rule.type === 'no-data' && applies(rule.siteKind, site) && !out.noData.some((d) => d.site === site)) {
        for (const d of site.devices) out.noData.push({ site, device: d.id, timeoutMs: rule.missedIntervals * d.intervalMs, rule });
      }
    }
    if (site.kind === 'rain_outlet') out.rainOutlets.push(site);
    if (site.kind === 'weather' && !out.weather) out.weather = site;
  }
  out.outOfRange = registry.rules.find((r): r is Of<'out-of-range'> => r.type === 'out-of-range');
  out.dryWeather = registry.rules.find((r): r is Of<'dry-weather-flow'> => r.type === 'dry-weather-flow');
  return out;
}
