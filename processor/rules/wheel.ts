import type { SchedulerLike, Subscription } from 'rxjs';

/** Something with at most one timer: when it wants `fire` (epoch ms of scheduler time), undefined for none. */
export interface Timed {
  due(): number | undefined;
  fire(now: number): void;
}

interface Entry {
  at: number;
  timed: Timed;
}

/**
 * One timer for every timer of the rule engine: a min-heap of due times and ONE scheduler action, armed
 * for the earliest. `touch(t)` after a state change costs a `due()` call and a Map lookup; the heap is
 * only pushed when the due time moved EARLIER than the entry already queued for `t`. A due time that
 * moved later (a device's no-data timeout, on every reading) is found lazily: the old entry comes up,
 * `due()` is asked again and the entry is pushed back at the new time. So a steady stream re-arms
 * nothing. Due moments that passed (e.g. during a restart) fire on the first tick after `start()`.
 */
export class TimerWheel {
  private readonly heap: Entry[] = [];
  /** the earliest entry in the heap for each Timed */
  private readonly queued = new Map<Timed, number>();
  private armed: { at: number; sub: Subscription } | undefined;
  private running = false;
  private ticking = false;

  /** `tick` wraps each firing round (the engine collects the events of one round as a batch) */
  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly tick: (fireDue: () => void) => void = (f) => f(),
  ) {}

  /** re-reads `t.due()`; call after every change of its state */
  touch(t: Timed): void {
    const at = t.due();
    if (at === undefined) return; // a queued entry for it finds nothing due and is dropped
    const queued = this.queued.get(t);
    if (queued !== undefined && queued <= at) return;
    this.queued.set(t, at);
    this.push({ at, timed: t });
    if (this.running && !this.ticking && (!this.armed || at < this.armed.at)) this.arm();
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.armed?.sub.unsubscribe();
    this.armed = undefined;
  }

  /** entries in the heap (live and stale), for tests and metrics */
  get size(): number {
    return this.heap.length;
  }

  private arm(): void {
    const top = this.heap[0];
    if (this.armed && top && this.armed.at <= top.at) return;
    this.armed?.sub.unsubscribe();
    this.armed = undefined;
    if (!top) return;
    const at = top.at;
    this.armed = { at, sub: this.scheduler.schedule(() => this.onTimer(), Math.max(0, at - this.scheduler.now())) };
  }

  private onTimer(): void {
    this.armed = undefined;
    if (!this.running) return;
    this.ticking = true;
    try {
      this.tick(() => this.fireDue());
    } finally {
      this.ticking = false;
    }
    if (this.running) this.arm();
  }

  private fireDue(): void {
    const now = this.scheduler.now();
    const again: Timed[] = [];
    for (let top = this.heap[0]; top && top.at <= now; top = this.heap[0]) {
      this.pop();
      if (this.queued.get(top.timed) !== top.at) continue; // superseded by an earlier entry
      this.queued.delete(top.timed);
      const due = top.timed.due();
      if (due === undefined) continue;
      if (due <= now) top.timed.fire(now);
      again.push(top.timed);
    }
    // after the round: a machine breaking the contract (still due) fires on the next tick, not in a loop here
    for (const t of again) this.touch(t);
  }

  private push(e: Entry): void {
    const h = this.heap;
    let i = h.push(e) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= e.at) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const c = l + 1 < h.length && h[l + 1]!.at < h[l]!.at ? l + 1 : l;
      if (h[c]!.at >= last.at) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
