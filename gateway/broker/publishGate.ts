import type { AedesOptions, Client } from 'aedes';
import { TokenBucket, type Rate } from './limits.js';

type AuthorizePublish = NonNullable<AedesOptions['authorizePublish']>;

/**
 * The checks a PUBLISH passes before the hand-off (handoff.ts), in this order:
 * 1. topic: the client's user may publish there (access.ts); otherwise refused.
 * 2. rate: a token bucket per connection; over it → refused.
 * 3. retain: never on data topics (`<topicPrefix>/…`): the flag is cleared and counted, so a reading is
 *    not stored by the broker and not delivered again, and judged again, at every restart or
 *    subscription [MQTT-3.3.1-5]; elsewhere at most `maxRetained` topics keep a retained message, the
 *    flag of a new one past that is cleared and counted. An empty retained payload removes a topic's
 *    retained message [MQTT-3.3.1-10] and frees its place.
 * A refused PUBLISH gets no PUBACK: MQTT 3.1.1 has none to refuse with, so aedes closes the connection
 * on the error (lib/handlers/publish.js → client error). The message reaches no subscriber and no
 * hand-off. Wills go through the same checks when aedes publishes them (lib/client.js).
 */
export function createPublishGate(o: {
  topicPrefix: string;
  refusal: (client: Client, topic: string) => string | undefined;
  publishRate: Rate;
  maxRetained: number;
  denied: (reason: string, client: Client, topic: string) => void;
  retainCleared: (reason: string) => void;
  next: AuthorizePublish;
}): AuthorizePublish {
  const prefix = o.topicPrefix.replace(/\/+$/, '') + '/';
  const buckets = new WeakMap<Client, TokenBucket>();
  const retained = new Set<string>();
  return (client, packet, callback) => {
    if (client) {
      const reason = o.refusal(client, packet.topic);
      if (reason) {
        o.denied(reason, client, packet.topic);
        return callback(new Error(`publish to ${packet.topic} refused: ${reason}`));
      }
      let bucket = buckets.get(client);
      if (!bucket) buckets.set(client, (bucket = new TokenBucket(o.publishRate)));
      if (!bucket.take()) {
        o.denied('rate', client, packet.topic);
        return callback(new Error('publish rate exceeded'));
      }
    }
    if (packet.retain) {
      if (packet.topic.startsWith(prefix)) {
        packet.retain = false;
        o.retainCleared('data-topic');
      } else if (packet.payload.length === 0) retained.delete(packet.topic);
      else if (!retained.has(packet.topic) && retained.size >= o.maxRetained) {
        packet.retain = false;
        o.retainCleared('retained-limit');
      } else retained.add(packet.topic);
    }
    o.next(client, packet, callback);
  };
}
