import { createBroker, type BrokerOptions, type RunningBroker } from '../../gateway/broker/index.js';

/** Embedded aedes broker on 127.0.0.1, free port; close() ends every client and frees the port. */
export async function startBroker(opts: Omit<BrokerOptions, 'host' | 'port'> = {}): Promise<Pick<RunningBroker, 'url' | 'port' | 'broker' | 'close'>> {
  const running = await createBroker({ ...opts, host: '127.0.0.1', port: 0 });
  return { url: running.url, port: running.port, broker: running.broker, close: running.close };
}
