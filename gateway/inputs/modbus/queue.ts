/**
 * Runs jobs one at a time, in the order they were queued: a half-duplex RS-485 line carries one
 * request/response at a time (Modbus over Serial Line V1.02 §2.1, single master). A failing job
 * does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** jobs queued or running */
  get length(): number {
    return this.waiting;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(job).finally(() => this.waiting--);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
