import type { Registry, Site, SiteKind } from '../../gateway/registry/schema.js';
import type { ExceedanceRule, RuleLevel } from '../../gateway/registry/rules.js';
import { appliesAt, applyOverride, bindDerived, overrideFor } from '../../processor/rules/limits.js';

/** A limit as a line on a chart: the rule's level and its bound max/min at a site (after 纳管协议 overrides and derived 预警). */
export interface LimitLine {
  rule: string;
  level: RuleLevel;
  max?: number;
  min?: number;
}

/** Every pollutant the sites of a kind measure, in the registry's order of pollutants. */
export function pollutantsOf(registry: Registry, kind: SiteKind): string[] {
  const codes = new Set<string>();
  for (const site of registry.sites.filter((s) => s.kind === kind))
    for (const d of site.devices) for (const c of d.kind === 'modbus' ? (registry.inputs.modbus.maps[d.map]?.channels.map((ch) => ch.pollutant) ?? []) : d.channels) codes.add(c);
  return Object.keys(registry.pollutants).filter((c) => codes.has(c));
}

export const sitesOf = (registry: Registry, kind: SiteKind): Site[] => registry.sites.filter((s) => s.kind === kind);

const instant = (r: ExceedanceRule) => r.averaging.kind === 'instant' || r.averaging.kind === 'rolling';

/**
 * The limits judged on a site's readings of a pollutant (instant and rolling rules; averaged rules judge
 * the means): the same binding the rule engine does (processor/rules/limits.ts).
 */
export function limitsAt(registry: Registry, site: Site, pollutant: string, which: (r: ExceedanceRule) => boolean = instant): LimitLine[] {
  const overrides = registry.enterprises.find((e) => e.id === site.enterprise)?.limits ?? [];
  const rules = registry.rules.filter((r): r is ExceedanceRule => r.type === 'exceedance' && appliesAt(r, site));
  const bound = new Map(rules.map((r) => [r.id, applyOverride(r, overrideFor(r, overrides))]));
  const out: LimitLine[] = [];
  for (const r of rules) {
    if (r.pollutant !== pollutant || !which(r)) continue;
    const b = r.derive ? bindDerived(r, bound.get(r.derive.from)) : bound.get(r.id);
    if (!b) continue;
    out.push({ rule: b.id, level: b.level, ...(b.max !== undefined ? { max: b.max } : {}), ...(b.min !== undefined ? { min: b.min } : {}) });
  }
  return out;
}

export const dayLimits = (r: ExceedanceRule) => r.averaging.kind === 'day' || r.averaging.kind === 'clock-hour';

/** how old a site's newest reading may be before it counts as silent (停报): the figure the gateway writes on `site_state` */
export { staleAfterMs } from '../../processor/sinks/influx/siteState.js';

export const enterpriseName = (registry: Registry, site: Site): string | undefined => registry.enterprises.find((e) => e.id === site.enterprise)?.name;
