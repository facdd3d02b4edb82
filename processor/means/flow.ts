/**
 * The flow (L/s) of one site by reading time, for flow-weighted means (HJ 212-2017 Appendix D.1: the
 * slice's volume is its flow × its time). Keeps the last `capacity` valid flow values sorted by ts
 * (a back-filled flow goes to its place); a value's flow is the flow reading at or before its ts within
 * `maxGapMs`, else the first one after it within `maxGapMs`. In memory only: a data logger sends flow
 * and concentrations in the same packet (same DataTime), and the engine hands a batch's flows over
 * before its concentrations, so a back-fill finds its own flows.
 */
export class FlowSeries {
  private readonly ts: number[] = [];
  private readonly q: number[] = [];

  constructor(
    private readonly maxGapMs: number,
    private readonly capacity = 4096,
  ) {}

  add(ts: number, flow: number): void {
    let i = this.ts.length;
    if (i > 0 && this.ts[i - 1]! > ts) i = this.index(ts);
    if (this.ts[i] === ts) this.q[i] = flow;
    else {
      this.ts.splice(i, 0, ts);
      this.q.splice(i, 0, flow);
    }
    // a live value pushes the oldest out; a back-fill older than everything kept stays (up to 4 × capacity)
    // so that the concentrations of its batch find it
    if (this.ts.length > (i === 0 ? 4 * this.capacity : this.capacity)) {
      this.ts.shift();
      this.q.shift();
    }
  }

  at(ts: number): number | undefined {
    const i = this.index(ts); // first index with ts[i] >= ts
    if (this.ts[i] === ts) return this.q[i];
    if (i > 0 && ts - this.ts[i - 1]! <= this.maxGapMs) return this.q[i - 1];
    if (i < this.ts.length && this.ts[i]! - ts <= this.maxGapMs) return this.q[i];
    return undefined;
  }

  /** first index whose ts is >= t */
  private index(t: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
