/**
 * Child process for the kill -9 test (test/integration/ticketsCrash.test.ts): opens the ticket store
 * at argv[2] and drives three (site, pollutant, rule) keys through their whole lifecycle forever,
 * printing one line per committed change:
 *   ack <key> <ticketId> <count> <status>    after a ticket change returned
 *   state <key> <n>                          after the rule state was saved
 * The parent SIGKILLs it at an arbitrary moment and checks what is on disk.
 */
import { writeSync } from 'node:fs';
import { loadRegistry } from '../../../gateway/registry/loader.js';
import { createTicketService } from '../service.js';
import { createSqliteStore } from '../sqlite.js';
import { codEvent, HOUR } from './fixtures.js';

const file = process.argv[2];
if (!file) throw new Error('usage: killChild.ts <db file> [start clock ms]');
const clock = { t: Number(process.argv[3] ?? Date.parse('2026-11-25T10:00:00+08:00')) };

const store = createSqliteStore({ file });
store.start();
const service = createTicketService({ store: store.tickets, registry: loadRegistry(), now: () => clock.t, log: { info() {}, warn() {}, debug() {} } });

const KEYS = [
  { site: 'WP-05', pollutant: 'w01018', rule: 'wp-cod' },
  { site: 'WP-06', pollutant: 'w01018', rule: 'wp-cod' },
  { site: 'RO-03', pollutant: 'w21003', rule: 'ro-nh3' },
] as const;
type Op = 'open' | 'update' | 'clear' | 'verify' | 'close';
// open → updates → clear → awaiting verification → recurrence (reopens) → clear → verify → close → (new ticket)
const CYCLE: Op[] = ['open', 'update', 'update', 'clear', 'verify', 'open', 'update', 'clear', 'verify', 'close'];

/** stdout written synchronously, so a printed line is never ahead of the committed change it reports */
function say(line: string): void {
  const buf = Buffer.from(line + '\n');
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err; // pipe full: the parent is reading
    }
  }
}

function step(keyIndex: number, op: Op, n: number): void {
  const k = KEYS[keyIndex]!;
  const name = `${k.site}/${k.pollutant}/${k.rule}`;
  clock.t += 60_000;
  const over = { site: k.site, pollutant: k.pollutant, rule: k.rule };
  let ticket;
  if (op === 'open' || op === 'update' || op === 'clear') {
    ticket = service.applyEvent(codEvent(op, clock.t, op === 'clear' ? undefined : 500 + (n % 97), over));
  } else {
    const live = store.tickets.findOpen(k.site, k.pollutant, k.rule);
    if (!live) return;
    if (op === 'close') clock.t += 25 * HOUR;
    const out = service.transition(live.id, { to: op === 'close' ? 'closed' : 'awaiting_verification', actor: 'OF-02' });
    ticket = out.ok ? out.ticket : undefined;
  }
  if (ticket) say(`ack ${name} ${ticket.id} ${ticket.count} ${ticket.status}`);
  store.ruleState.save(name, { n, op });
  say(`state ${name} ${n}`);
}

let n = 0;
for (;;) {
  const keyIndex = n % KEYS.length;
  const op = CYCLE[Math.floor(n / KEYS.length) % CYCLE.length]!;
  step(keyIndex, op, n);
  n++;
}
