import type { Registry } from '../../gateway/registry/schema.js';
import type { Rule, RuleEvent, RuleLevel } from '../rules/schema.js';
import type { TicketLimit, TicketSummary } from './types.js';

const HOUR = 3_600_000;

/**
 * The worse of two values against a limit: the one farther beyond it. Upper limit → the higher,
 * lower limit (e.g. dissolved oxygen) → the lower, a range (pH 6–9) → the one farther outside.
 * Without a limit the higher value is kept.
 */
export function worse(a: number | undefined, b: number, limit?: TicketLimit): number {
  if (a === undefined) return b;
  const { min, max } = limit ?? {};
  if (max !== undefined && min !== undefined) return beyond(b, min, max) > beyond(a, min, max) ? b : a;
  if (min !== undefined) return Math.min(a, b);
  return Math.max(a, b);
}

const beyond = (v: number, min: number, max: number) => Math.max(min - v, v - max);

/**
 * Adds one sighting of the condition: lastSeen, and its value to samples, mean and peak (every value of
 * an update that stands for several, see RuleEvent.values).
 */
export function observe<T extends TicketSummary>(t: T, ev: Pick<RuleEvent, 'ts' | 'value' | 'values'>): T {
  const next: T = { ...t, lastSeen: Math.max(t.lastSeen, ev.ts) };
  const add = (v: number | undefined) => {
    if (v === undefined || !Number.isFinite(v)) return;
    next.samples = next.samples + 1;
    next.mean = next.mean === undefined ? v : next.mean + (v - next.mean) / next.samples;
    next.peak = worse(next.peak, v, t.limit);
  };
  if (ev.values) for (const v of ev.values) add(v);
  else add(ev.value);
  return next;
}

/** Park-local calendar day "YYYYMMDD" of an instant (ticket ids are numbered per local day). */
export function localDay(ts: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(ts);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}${part('month')}${part('day')}`;
}

/** 包联干部 of a site: its enterprise's officer, or for a site without enterprise the site's own officer. */
export function assignee(registry: Registry, siteId: string): { enterprise?: string; officer?: string } {
  const site = registry.sites.find((s) => s.id === siteId);
  if (!site) return {};
  if (site.enterprise) {
    const ent = registry.enterprises.find((e) => e.id === site.enterprise);
    return { enterprise: site.enterprise, officer: ent?.officer ?? site.officer };
  }
  return { officer: site.officer };
}

/** The rule's verificationMs; for a rule not in the list, the rule schema's default for its type. */
export function verificationMsOf(rules: readonly Rule[] | undefined, ev: Pick<RuleEvent, 'rule' | 'ruleType'>): number {
  const rule = rules?.find((r) => r.id === ev.rule);
  if (rule) return rule.verificationMs;
  return ev.ruleType === 'exceedance' || ev.ruleType === 'dry-weather-flow' ? 24 * HOUR : HOUR;
}

/**
 * The level of a ticket opened by `ev`: the event's own (the engine sets it), else the rule's in the
 * registry, else the default of its rule type (exceedance 超标, dry-weather flow 管控, device rules 预警).
 */
export function levelOf(rules: readonly Rule[] | undefined, ev: Pick<RuleEvent, 'rule' | 'ruleType' | 'level'>): RuleLevel {
  if (ev.level) return ev.level;
  const rule = rules?.find((r) => r.id === ev.rule);
  if (rule) return rule.level;
  return ev.ruleType === 'exceedance' ? 'exceedance' : ev.ruleType === 'dry-weather-flow' ? 'control' : 'warning';
}

/** 整改期限 of a ticket of `level` opened at `openedAt`: the registry's alerts.deadlines (a manual ticket's own deadline wins) */
export function deadlineOf(registry: Registry, level: RuleLevel, openedAt: number): number | undefined {
  const ms = registry.alerts?.deadlines?.[level];
  return ms === undefined ? undefined : openedAt + ms;
}
