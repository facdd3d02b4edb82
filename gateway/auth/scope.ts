import type { Registry } from '../registry/schema.js';
import type { Principal } from './types.js';

/**
 * What a principal may see (issue 11: an officer sees "their own enterprises' tickets, patrols and
 * valves"): an officer sees the registry's enterprises whose `officer` is theirs, those enterprises'
 * sites, and the sites whose own `officer` is theirs; chief, admin and viewer see everything.
 * Anonymous sees nothing. Read from the registry at each call, so a reassignment takes effect at once.
 */
export type Scope = { all: true } | { all: false; enterprises: ReadonlySet<string>; sites: ReadonlySet<string> };

const NOTHING: Scope = { all: false, enterprises: new Set(), sites: new Set() };

export function scopeOf(registry: Registry, p: Principal): Scope {
  if (p.role === 'chief' || p.role === 'admin' || p.role === 'viewer') return { all: true };
  if (p.role !== 'officer' || !p.officer) return NOTHING;
  const enterprises = new Set(registry.enterprises.filter((e) => e.officer === p.officer).map((e) => e.id));
  const sites = new Set(registry.sites.filter((s) => (s.enterprise !== undefined && enterprises.has(s.enterprise)) || s.officer === p.officer).map((s) => s.id));
  return { all: false, enterprises, sites };
}

export const seesSite = (s: Scope, site: string): boolean => s.all || s.sites.has(site);

/** a ticket is in scope when its site is, or its enterprise is one of the officer's */
export const seesTicket = (s: Scope, t: { site: string; enterprise?: string }): boolean =>
  s.all || s.sites.has(t.site) || (t.enterprise !== undefined && s.enterprises.has(t.enterprise));
