import type { Registry } from '../../gateway/registry/schema.js';
import type { CompiledRules } from './compile.js';
import type { RuleLevel } from './schema.js';

/**
 * The level (预警 / 管控 / 超标) of each rule's events at each site: an exceedance rule's as bound at
 * the site (an enterprise's override may set its own level), every other rule's from the registry.
 */
export function levelTable(registry: Registry, compiled: CompiledRules): (rule: string, site: string) => RuleLevel | undefined {
  const bySite = new Map<string, RuleLevel>();
  for (const bound of compiled.exceedance.values()) for (const b of bound) bySite.set(`${b.rule.id}|${b.site.id}`, b.rule.level);
  const byRule = new Map(registry.rules.map((r) => [r.id, r.level]));
  return (rule, site) => bySite.get(`${rule}|${site}`) ?? byRule.get(rule);
}
