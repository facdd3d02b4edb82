import { Counter, type Registry as PromRegistry } from 'prom-client';

/** The embedded broker's counts as its main-thread side keeps them (gateway/broker EmbeddedBroker.counters). */
export interface BrokerCountsSource {
  /** key `<action> <reason>` → refusals */
  readonly denied: ReadonlyMap<string, number>;
  /** reason → retain flags cleared */
  readonly retainCleared: ReadonlyMap<string, number>;
}

/**
 * park_mqtt_denied_total{action,reason}: what the embedded broker refused (action connect, publish,
 * subscribe, or packet for one cut off by its size) and park_mqtt_retain_cleared_total{reason}. Read at
 * scrape time from the counts the broker thread posts to the main thread.
 */
export function registerBrokerMetrics(register: PromRegistry, source: () => BrokerCountsSource | undefined): void {
  new Counter({
    name: 'park_mqtt_denied_total',
    help: 'Connects, publishes, subscribes and packets the embedded broker refused, by action and reason',
    labelNames: ['action', 'reason'],
    registers: [register],
    collect() {
      const s = source();
      if (!s) return;
      this.reset();
      for (const [key, n] of s.denied) {
        const [action = '', reason = ''] = key.split(' ');
        this.inc({ action, reason }, n);
      }
    },
  });
  new Counter({
    name: 'park_mqtt_retain_cleared_total',
    help: 'Retain flags the embedded broker cleared: data-topic (a reading is never retained) or retained-limit',
    labelNames: ['reason'],
    registers: [register],
    collect() {
      const s = source();
      if (!s) return;
      this.reset();
      for (const [reason, n] of s.retainCleared) this.inc({ reason }, n);
    },
  });
}
