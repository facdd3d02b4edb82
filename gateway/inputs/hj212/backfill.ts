import type { Hj212Device } from './config.js';
import type { BackfillStore, LoggerGapState, Span } from './backfillStore.js';

/**
 * 补传 (back-fill) bookkeeping for every logger: the newest real-time DataTime seen; a jump in it (the logger
 * was offline, or lost data) longer than `gapIntervals` × its interval becomes spans of at most `chunkMs`
 * to request with the history commands (HJ 212-2017 Table 9: 2011/2051/2061 with BeginTime/EndTime).
 * One request at a time per logger; each finished (9012 or timeout) before the next is sent. The state is
 * saved on every change, so a restart does not forget a gap.
 */
export class BackfillPlanner {
  private readonly state: Record<string, LoggerGapState>;
  private readonly inFlight = new Map<string, { qn: string; span: Span; timer: NodeJS.Timeout }>();

  constructor(
    private readonly store: BackfillStore,
    private readonly now: () => number,
  ) {
    this.state = store.load();
  }

  private of(mn: string): LoggerGapState {
    return (this.state[mn] ??= { pending: [], done: [] });
  }

  /** a live real-time packet's DataTime; returns true when a gap was found and spans were queued */
  observe(device: Hj212Device, ts: number): boolean {
    const s = this.of(device.mn);
    const last = s.lastTs;
    if (last !== undefined && ts <= last) return false; // older data: a back-filled answer or a resend
    s.lastTs = ts;
    let gap = false;
    const cfg = device.backfill;
    if (cfg.enabled && last !== undefined && ts - last > cfg.gapIntervals * device.intervalMs) {
      const begin = Math.max(last + 1000, this.now() - cfg.horizonMs);
      const end = ts - 1000; // BeginTime/EndTime are whole seconds, both inclusive
      for (let b = begin; b <= end; b += cfg.chunkMs) s.pending.push({ begin: b, end: Math.min(end, b + cfg.chunkMs - 1000) });
      gap = true;
    }
    this.store.save(this.state);
    return gap;
  }

  /** the next span to request for a logger, when none is in flight */
  next(mn: string): Span | undefined {
    if (this.inFlight.has(mn)) return undefined;
    return this.of(mn).pending[0];
  }

  /** a request for the span went out with this QN; `onTimeout` runs if it is not finished in time */
  sent(mn: string, qn: string, span: Span, timeoutMs: number, onTimeout: () => void): void {
    const timer = setTimeout(() => {
      this.finish(mn, qn, 4); // ExeRtn 4: communication timeout (HJ 212-2017 Table 6)
      onTimeout();
    }, timeoutMs);
    timer.unref();
    this.inFlight.set(mn, { qn, span, timer });
  }

  /** 9012 (or a timeout) for the request with this QN; returns whether it was the one in flight */
  finish(mn: string, qn: string | undefined, exeRtn: number): boolean {
    const f = this.inFlight.get(mn);
    if (!f || (qn !== undefined && f.qn !== qn)) return false;
    clearTimeout(f.timer);
    this.inFlight.delete(mn);
    const s = this.of(mn);
    s.pending = s.pending.filter((p) => p.begin !== f.span.begin || p.end !== f.span.end);
    s.done = [...s.done, { ...f.span, exeRtn, at: this.now() }].slice(-50);
    this.store.save(this.state);
    return true;
  }

  /** the connection closed: the request in flight is asked again on the next connection */
  disconnected(mn: string): void {
    const f = this.inFlight.get(mn);
    if (f) clearTimeout(f.timer);
    this.inFlight.delete(mn);
  }

  snapshot(mn: string): LoggerGapState {
    return structuredClone(this.of(mn));
  }

  stop(): void {
    for (const f of this.inFlight.values()) clearTimeout(f.timer);
    this.inFlight.clear();
  }
}
