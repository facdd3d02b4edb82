import type { Registry, Site, SiteKind } from '../../gateway/registry/schema.js';
import type { Reading } from '../../gateway/model/reading.js';
import { calibrationCalendar } from './calibration.js';
import { noDataBindings, type BoundDevice } from './noDataBindings.js';
import { applyOverride, appliesAt, bindDerived, overrideFor } from './limits.js';
import type { Rule, RuleEvent } from './schema.js';

type Of<T extends Rule['type']> = Extract<Rule, { type: T }>;

export type { BoundDevice };

/** An exceedance rule bound to one site, with the enterprise's own limit applied. */
export interface BoundExceedance {
  rule: Of<'exceedance'>;
  site: Site;
  category: RuleEvent['category'];
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
  /** site → whether a reading is an expected value of a scheduled calibration window (calibration.ts); sites with windows only */
  calibration: Map<string, (r: Reading) => boolean>;
  outOfRange?: Of<'out-of-range'>;
  dryWeather?: Of<'dry-weather-flow'>;
  /** rain outlets, and the weather station that reports rain and wind */
  rainOutlets: Site[];
  weather?: Site;
}

export const channelsOf = (registry: Registry, site: Site): string[] =>
  site.devices.flatMap((d) => (d.kind !== 'modbus' ? d.channels : (registry.inputs.modbus.maps[d.map]?.channels.map((c) => c.pollutant) ?? [])));

const applies = (kind: SiteKind | undefined, site: Site) => kind === undefined || kind === site.kind;

/** Ticket category of an exceedance: odor at the fence line, discharge elsewhere. */
export const exceedanceCategory = (site: Site): RuleEvent['category'] => (site.kind === 'air_fence' ? 'odor' : 'exceedance');

export function compileRules(registry: Registry): CompiledRules {
  const out: CompiledRules = { exceedance: new Map(), flatline: new Map(), instrument: new Map(), noData: [], calibration: new Map(), rainOutlets: [] };
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);
  const enterprises = new Map(registry.enterprises.map((e) => [e.id, e]));
  for (const site of registry.sites) {
    const channels = new Set(channelsOf(registry, site));
    const overrides = site.enterprise ? (enterprises.get(site.enterprise)?.limits ?? []) : [];
    for (const rule of registry.rules) {
      if (rule.type === 'exceedance' && appliesAt(rule, site) && channels.has(rule.pollutant)) {
        // every exceedance rule of the pollutant takes the enterprise's limit; derived ones follow it (limits.ts)
        const own = (r: Of<'exceedance'>) => applyOverride(r, overrideFor(r, overrides));
        const from = rule.derive && registry.rules.find((r): r is Of<'exceedance'> => r.type === 'exceedance' && r.id === rule.derive!.from);
        const bound = rule.derive ? bindDerived(rule, from ? own(from) : undefined) : own(rule);
        if (bound) push(out.exceedance, `${site.id}/${rule.pollutant}`, { rule: bound, site, category: exceedanceCategory(site) });
      } else if (rule.type === 'flatline' && rule.siteKind === site.kind && channels.has(rule.pollutant)) {
        push(out.flatline, `${site.id}/${rule.pollutant}`, rule);
      } else if (rule.type === 'instrument' && applies(rule.siteKind, site) && !out.instrument.has(site.id)) {
        out.instrument.set(site.id, rule);
      } else if (rule.type === 'no-data' && applies(rule.siteKind, site) && !out.noData.some((d) => d.site === site)) {
        out.noData.push(...noDataBindings(registry, site, rule));
      }
    }
    const calendar = calibrationCalendar(site, registry.park.timezone);
    if (calendar) out.calibration.set(site.id, calendar);
    if (site.kind === 'rain_outlet') out.rainOutlets.push(site);
    if (site.kind === 'weather' && !out.weather) out.weather = site;
  }
  out.outOfRange = registry.rules.find((r): r is Of<'out-of-range'> => r.type === 'out-of-range');
  out.dryWeather = registry.rules.find((r): r is Of<'dry-weather-flow'> => r.type === 'dry-weather-flow');
  return out;
}
