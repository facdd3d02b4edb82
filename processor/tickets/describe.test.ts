import { describe, expect, it } from 'vitest';
import { describeChange } from './describe.js';
import type { TicketChange } from './service.js';
import { codTicket } from '../alerts/testing/fixtures.js';

const ticket = codTicket({ verificationMs: 86_400_000 });

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
