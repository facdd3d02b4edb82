import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../registry/loader.js';
import { maskPersonalData } from './personal.js';
import { scopeOf, seesSite, seesTicket } from './scope.js';
import type { Principal } from './types.js';

const registry = loadRegistry();
const officer = (id: string): Principal => ({ kind: 'session', username: id, role: 'officer', officer: id, address: '127.0.0.1' });

describe('scopeOf: what a principal may see', () => {
  it("an officer: the registry's enterprises whose officer they are, those enterprises' sites, and the sites that name them", () => {
    const s = scopeOf(registry, officer('OF-01'));
    expect(s.all).toBe(false);
    if (s.all) return;
    expect([...s.enterprises].sort()).toEqual(registry.enterprises.filter((e) => e.officer === 'OF-01').map((e) => e.id).sort());
    expect(seesSite(s, 'WP-01')).toBe(true);
    expect(seesSite(s, 'WP-05')).toBe(false);
    // a rain outlet has no enterprise: its own officer (OF-03) sees it
    expect(seesSite(scopeOf(registry, officer('OF-03')), 'RO-03')).toBe(true);
    expect(seesSite(s, 'RO-03')).toBe(false);
    expect(seesTicket(s, { site: 'WP-05', enterprise: 'E-01' })).toBe(true);
  });

  it('follows the registry: an enterprise handed to another officer leaves the first one’s scope', () => {
    const r = structuredClone(registry);
    r.enterprises.find((e) => e.id === 'E-01')!.officer = 'OF-02';
    expect(seesSite(scopeOf(r, officer('OF-01')), 'WP-01')).toBe(false);
    expect(seesSite(scopeOf(r, officer('OF-02')), 'WP-01')).toBe(true);
  });

  it('chief, admin and viewer see everything; anonymous and an officer role without an officer id nothing', () => {
    for (const role of ['chief', 'admin', 'viewer'] as const) expect(scopeOf(registry, { kind: 'token', username: role, role, address: '::1' })).toEqual({ all: true });
    expect(seesSite(scopeOf(registry, { kind: 'anonymous', username: 'anonymous', address: '::1' }), 'WP-01')).toBe(false);
    expect(seesSite(scopeOf(registry, { kind: 'session', username: 'x', role: 'officer', address: '::1' }), 'WP-01')).toBe(false);
  });
});

describe('maskPersonalData', () => {
  it('masks mobiles anywhere (in texts too, not inside longer numbers) and the recipients of alert deliveries, and keeps a history entry’s status', () => {
    const t = { officer: { id: 'OF-02', mobile: '13800001102' }, history: [{ to: 'acknowledged' }], evidence: [{ data: { to: ['13800001102', 'wangqing'], text: 'call 13800001101' } }], note: '13800001101', snapshot: 'WP-05-1764036000000-0123456789ab' };
    expect(maskPersonalData(t)).toEqual({ officer: { id: 'OF-02', mobile: '138****1102' }, history: [{ to: 'acknowledged' }], evidence: [{ data: { to: ['138****1102', '***'], text: 'call 138****1101' } }], note: '138****1101', snapshot: 'WP-05-1764036000000-0123456789ab' });
  });
});
