import './childGuard.js';
import { pino } from 'pino';
import { createBroker, type RunningBroker } from '../../gateway/broker/index.js';

/**
 * The project's aedes broker (gateway/broker) in a process of its own on 127.0.0.1, for the side-by-side
 * run: the gateway and Node-RED subscribe to the same broker, which queues for a slow subscriber
 * instead of dropping (Mosquitto's defaults drop beyond 1,000 queued QoS 1 messages per client).
 */
let broker: RunningBroker | undefined;
process.on('message', (m: { type: string }) => {
  void (async () => {
    if (m.type === 'start') {
      broker = await createBroker({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }) });
      process.send?.({ type: 'started', url: broker.url });
    } else if (m.type === 'stop') {
      await broker?.close();
      process.send?.({ type: 'stopped' });
      setTimeout(() => process.exit(0), 100);
    }
  })();
});
