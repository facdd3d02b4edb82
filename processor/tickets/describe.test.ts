import { describe, expect, it } from 'vitest';
import { describeChange } from './describe.js';
import type { TicketChange } from './service.js';
import type { TicketSummary } from './types.js';

const ticket: TicketSummary = {
  id: 'WO-20261126-0001',
  site: 'WP-01',
  enterprise: 'E-01',
  officer: 'OF-01',
  pollutant: 'w01018',
  rule: 'wp-cod',
  category: 'exceedance',
  status: 'open',
  openedAt: 0,
  updatedAt: 0,
  firstSeen: 0,
  lastSeen: 0,
  count: 1,
  samples: 1,
  peak: 650,
  mean: 650,
  limit: { max: 500, standard: 'GB/T 31962-2015' },
  verificationMs: 86_400_000,
  version: 1,
};

describe('describeChange', () => {
  it('says what happened to which ticket for whom', () => {
    expect(describeChange({ type: 'opened', ticket, at: 0 })).toBe('ticket opened: WO-20261126-0001 exceedance WP-01 w01018 (wp-cod) → OF-01, value 650 > 500');
    expect(describeChange({ type: 'cleared', ticket, at: 0 })).toContain('verification started (1440 min)');
  });

  it('names valve actions and whether the read-back confirmed them', () => {
    const valve = (data: object): TicketChange => ({ type: 'evidence', ticket, at: 0, evidence: { at: 0, kind: 'valve', data } });
    expect(describeChange(valve({ kind: 'valve-close', actor: 'system', ok: true, confirmed: true, reason: 'COD above limit 15 min' }))).toBe(
      'ticket WO-20261126-0001: valve-close at WP-01 by system (confirmed by read-back) — COD above limit 15 min',
    );
    expect(describeChange(valve({ kind: 'valve-close', actor: 'system', ok: false, confirmed: false, error: 'timeout', reason: 'x' }))).toContain('FAILED: timeout');
    expect(describeChange(valve({ kind: 'escalate', actor: 'system', ok: false, confirmed: false, reason: 'device offline' }))).toContain('not actuated, escalated');
  });
});
