import { describe, expect, it } from 'vitest';
import { formatDuration, transition, type TransitionRequest } from './lifecycle.js';
import { TICKET_STATUSES, type TicketStatus, type TicketSummary } from './types.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const NOW = Date.parse('2026-11-26T12:00:00+08:00');

function ticket(status: TicketStatus, over: Partial<TicketSummary> = {}): TicketSummary {
  return {
    id: 'WO-20261125-0007', site: 'WP-05', enterprise: 'E-05', officer: 'OF-02', pollutant: 'w01018', rule: 'wp-cod',
    category: 'exceedance', level: 'exceedance', status, openedAt: NOW - 48 * HOUR, updatedAt: NOW - 48 * HOUR, firstSeen: NOW - 48 * HOUR,
    lastSeen: NOW - 30 * HOUR, count: 1, samples: 3, peak: 812, mean: 640, limit: { max: 500, standard: 'GB 8978-1996' },
    verificationMs: 24 * HOUR, version: 4, ...(status === 'closed' ? { closedAt: NOW - HOUR } : {}), ...over,
  };
}

const compliantFor = (ms: number) => ({ compliantSince: NOW - ms });
type Row = [from: TicketStatus, to: TicketStatus, over: Partial<TicketSummary>, req: Partial<TransitionRequest>, expected: true | RegExp];

// every (from, to) pair that is allowed, under which condition, and what is refused instead
const table: Row[] = [
  ['open', 'acknowledged', {}, {}, true],
  ['acknowledged', 'rectifying', {}, {}, true],
  ['rectifying', 'awaiting_verification', {}, {}, true],
  ['open', 'awaiting_verification', compliantFor(HOUR), {}, true],
  ['open', 'awaiting_verification', {}, {}, /from open to awaiting_verification: the condition has not cleared/],
  ['acknowledged', 'awaiting_verification', compliantFor(HOUR), {}, true],
  ['acknowledged', 'awaiting_verification', {}, {}, /from acknowledged to awaiting_verification: the condition has not cleared/],
  ['awaiting_verification', 'closed', compliantFor(24 * HOUR), {}, true],
  ['awaiting_verification', 'closed', compliantFor(30 * HOUR), {}, true],
  ['awaiting_verification', 'closed', compliantFor(2 * HOUR + 10 * MIN), {}, /compliant for 2 h 10 min of the required 24 h \(21 h 50 min remaining\)/],
  ['awaiting_verification', 'closed', compliantFor(24 * HOUR - 1), {}, /compliant for 23 h 59 min of the required 24 h \(1 min remaining\)/],
  ['awaiting_verification', 'closed', {}, {}, /not back within limit yet; closing needs 24 h/],
  // the valve was shut: closing needs compliant samples under flow after the reopening (FlowCheck)
  ['awaiting_verification', 'closed', { ...compliantFor(30 * HOUR), flowCheck: { required: 3, count: 0, shutAt: NOW - 40 * HOUR } }, {}, /closing needs 3 compliant samples under flow after it is reopened \(the valve has not been reopened yet\)$/],
  ['awaiting_verification', 'closed', { ...compliantFor(30 * HOUR), flowCheck: { required: 3, count: 1, shutAt: NOW - 40 * HOUR, reopenedAt: NOW - HOUR } }, {}, /\(1 of 3 so far\)$/],
  ['awaiting_verification', 'closed', { ...compliantFor(HOUR), flowCheck: { required: 3, count: 1, shutAt: NOW - 40 * HOUR, reopenedAt: NOW - HOUR } }, {}, /compliant for 1 h of the required 24 h .*; the valve was shut: closing needs 3/],
  ['awaiting_verification', 'closed', { ...compliantFor(30 * HOUR), flowCheck: { required: 3, count: 3, shutAt: NOW - 40 * HOUR, reopenedAt: NOW - 35 * HOUR, doneAt: NOW - 30 * HOUR } }, {}, true],
  ['rectifying', 'awaiting_verification', { flowCheck: { required: 3, count: 0, shutAt: NOW - 40 * HOUR } }, {}, true],
  ['awaiting_verification', 'open', {}, { note: 'fix did not hold' }, true],
  ['awaiting_verification', 'open', {}, {}, /reopening needs a note/],
  ['closed', 'open', {}, { note: 'complaint from residents' }, true],
  ['closed', 'open', {}, { note: '  ' }, /reopening needs a note/],
  ['open', 'closed', compliantFor(48 * HOUR), {}, /cannot move ticket WO-20261125-0007 from open to closed/],
  ['open', 'rectifying', {}, {}, /from open to rectifying \(from open the ticket can go to acknowledged or awaiting_verification\)/],
  ['acknowledged', 'open', {}, { note: 'x' }, /from acknowledged to open/],
  ['rectifying', 'acknowledged', {}, {}, /from rectifying to acknowledged/],
  ['rectifying', 'closed', compliantFor(48 * HOUR), {}, /from rectifying to closed/],
  ['awaiting_verification', 'rectifying', {}, {}, /from awaiting_verification to rectifying/],
  ['closed', 'acknowledged', {}, {}, /from closed to acknowledged/],
  ['closed', 'awaiting_verification', {}, {}, /from closed to awaiting_verification/],
  ['open', 'open', {}, {}, /already open/],
  ['closed', 'closed', {}, {}, /already closed/],
];

describe('ticket lifecycle', () => {
  it.each(table)('%s → %s (%j %j)', (from, to, over, req, expected) => {
    const before = ticket(from, over);
    const out = transition(before, { to, actor: 'OF-02', ...req }, NOW);
    if (expected === true) {
      expect(out).toMatchObject({ ok: true, ticket: { status: to, updatedAt: NOW }, entry: { at: NOW, actor: 'OF-02', from, to } });
    } else {
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.reason).toMatch(expected);
    }
  });

  it('every pair of states is decided: the table covers each allowed move', () => {
    const allowed = new Set(table.filter((r) => r[4] === true).map((r) => `${r[0]}>${r[1]}`));
    expect([...allowed].sort()).toEqual(
      ['open>acknowledged', 'acknowledged>rectifying', 'rectifying>awaiting_verification', 'open>awaiting_verification', 'acknowledged>awaiting_verification',
        'awaiting_verification>closed', 'awaiting_verification>open', 'closed>open'].sort(),
    );
    // anything else is refused, whatever the ticket's compliance
    for (const from of TICKET_STATUSES) for (const to of TICKET_STATUSES) {
      if (allowed.has(`${from}>${to}`)) continue;
      const out = transition(ticket(from, compliantFor(100 * HOUR)), { to, actor: 'OF-02', note: 'n' }, NOW);
      expect(out.ok, `${from} → ${to}`).toBe(false);
    }
  });

  it('closing sets closedAt; reopening clears closedAt and compliantSince; the input is not mutated', () => {
    const waiting = ticket('awaiting_verification', compliantFor(25 * HOUR));
    const closed = transition(waiting, { to: 'closed', actor: 'OF-02', note: 'sampled, compliant' }, NOW);
    expect(closed).toMatchObject({ ok: true, ticket: { closedAt: NOW, compliantSince: NOW - 25 * HOUR }, entry: { note: 'sampled, compliant' } });
    expect(waiting.status).toBe('awaiting_verification');
    if (!closed.ok) return;
    const reopened = transition(closed.ticket, { to: 'open', actor: 'OF-02', note: 'recurred' }, NOW + HOUR);
    expect(reopened.ok && reopened.ticket).toMatchObject({ status: 'open' });
    expect(reopened.ok && 'closedAt' in reopened.ticket).toBe(false);
    expect(reopened.ok && 'compliantSince' in reopened.ticket).toBe(false);
  });

  it('refuses a move without an actor', () => {
    expect(transition(ticket('open'), { to: 'acknowledged', actor: ' ' }, NOW)).toEqual({ ok: false, reason: 'a transition needs an actor' });
  });

  it.each([
    [0, '0 min'], [30_000, '< 1 min'], [45 * MIN, '45 min'], [24 * HOUR, '24 h'], [2 * HOUR + 10 * MIN, '2 h 10 min'], [HOUR - 1, '59 min'],
  ])('formatDuration(%i) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
