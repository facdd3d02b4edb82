import type { AuditEntry, AuditFilter, AuditLog } from './types.js';

/**
 * An AuditLog kept in memory, append-only like the SQLite one (gateway/auth/index.ts): for tests, and
 * as the composition root's fallback while no persistent audit log is given. Entries are frozen.
 */
export function createMemoryAuditLog(now: () => number = Date.now): AuditLog & { readonly entries: readonly AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    get entries() {
      return entries;
    },
    append(e) {
      const entry = Object.freeze({ ...e, id: entries.length + 1, at: e.at ?? now() }) as AuditEntry;
      entries.push(entry);
      return entry;
    },
    list(f: AuditFilter) {
      const match = entries.filter(
        (e) =>
          (f.from === undefined || e.at >= f.from) &&
          (f.to === undefined || e.at < f.to) &&
          (f.actor === undefined || e.actor === f.actor) &&
          (f.action === undefined || e.action === f.action) &&
          (f.target === undefined || e.target === f.target) &&
          (f.outcome === undefined || e.outcome === f.outcome),
      );
      const offset = f.offset ?? 0;
      return { entries: match.slice(offset, offset + (f.limit ?? 100)), total: match.length };
    },
  };
}
