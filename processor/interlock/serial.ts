/**
 * Runs jobs one at a time, in the order they were queued: one valve action at a time per site, so a
 * person's reopening never interleaves with an automatic close. A failing job does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
