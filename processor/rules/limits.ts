import type { Enterprise, Site } from '../../gateway/registry/schema.js';
import type { Rule } from './schema.js';

type Exceedance = Extract<Rule, { type: 'exceedance' }>;
type Override = Enterprise['limits'][number];

/** words for a rule's averaging, appended to an override's standard text when it replaces an averaged rule's */
const AVERAGING_ZH = (r: Exceedance): string => {
  switch (r.averaging.kind) {
    case 'instant':
      return '';
    case 'rolling':
      return ` (${r.averaging.minutes}分钟滑动均值)`;
    case 'clock-hour':
      return ' (小时均值)';
    case 'day':
      return ' (日均值)';
  }
};

/** scale a clear level with its limit, so the band keeps its proportion (450/500 at 300 → 270) */
const scaled = (clear: number | undefined, limit: number | undefined, next: number): number | undefined =>
  clear === undefined ? undefined : limit === undefined || limit === 0 ? next : round((clear * next) / limit);
const round = (v: number) => Number(v.toPrecision(12));

/**
 * The override of an enterprise that applies to `rule`: one naming the rule wins over one naming only
 * its pollutant. A `rule:` override (the older form) restricts it to that rule. Warning rules derived
 * from a limit are not overridden directly (they follow their limit, see bindDerived).
 */
export function overrideFor(rule: Exceedance, overrides: readonly Override[]): Override | undefined {
  if (rule.derive) return undefined;
  return overrides.find((o) => o.rule === rule.id) ?? overrides.find((o) => o.rule === undefined && o.pollutant === rule.pollutant);
}

/** `rule` with the enterprise's limit applied (every exceedance rule of the pollutant, GB/T 31962 and 纳管协议 alike). */
export function applyOverride(rule: Exceedance, o: Override | undefined): Exceedance {
  if (!o) return rule;
  const max = o.max ?? rule.max;
  const min = o.min ?? rule.min;
  const out: Exceedance = {
    ...rule,
    max,
    min,
    clearMax: o.max === undefined ? rule.clearMax : scaled(rule.clearMax, rule.max, o.max),
    clearMin: o.min === undefined ? rule.clearMin : scaled(rule.clearMin, rule.min, o.min),
    standard: o.standard ? o.standard + AVERAGING_ZH(rule) : rule.standard,
    level: o.level ?? rule.level,
    verified: rule.verified && o.verified,
  };
  if (out.max === undefined) delete out.max;
  if (out.min === undefined) delete out.min;
  if (out.clearMax === undefined) delete out.clearMax;
  if (out.clearMin === undefined) delete out.clearMin;
  return out;
}

const fmt = (v: number) => String(Number(v.toPrecision(4)));

/**
 * A rule derived from another's limit at the same site (`derive: { from, fraction }`): its thresholds are
 * fraction × that rule's bound limit (after the override), so an 80 % warning follows 华瑞电镀's COD 300
 * to 240. The standard text names the park rule and the limit it derives from.
 */
export function bindDerived(rule: Exceedance, from: Exceedance | undefined): Exceedance | undefined {
  if (!rule.derive) return rule;
  if (!from) return undefined;
  const f = rule.derive.fraction;
  const times = (v: number | undefined) => (v === undefined ? undefined : round(v * f));
  const out: Exceedance = { ...rule, verified: rule.verified && from.verified };
  delete out.max;
  delete out.min;
  delete out.clearMax;
  delete out.clearMin;
  // a warning below an upper limit; a lower limit (pH min) has no fraction that means anything: left out
  if (from.max !== undefined) out.max = times(from.max)!;
  if (from.clearMax !== undefined) out.clearMax = times(from.clearMax)!;
  if (out.max === undefined) return undefined;
  out.standard = `${rule.standard} (${from.id} 限值 ${fmt(from.max!)} 的 ${fmt(f * 100)}%: ${fmt(out.max)})`;
  return out;
}

/** whether `rule` is bound at `site` at all: its site kind, and its enterprises when it names some */
export const appliesAt = (rule: Exceedance, site: Site): boolean =>
  rule.siteKind === site.kind && (rule.enterprises === undefined || (site.enterprise !== undefined && rule.enterprises.includes(site.enterprise)));
