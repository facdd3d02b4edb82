import type { AedesOptions } from 'aedes';

type AuthorizePublish = NonNullable<AedesOptions['authorizePublish']>;
type Callback = Parameters<AuthorizePublish>[2];

/** One turn's data messages, as posted to the main thread. */
export interface Handoff {
  ids: number[];
  topics: string[];
  payloads: Uint8Array[];
  dups: boolean[];
}

/**
 * aedes' `authorizePublish` hook as the embedded broker's hand-off to the gateway. aedes calls it for
 * every PUBLISH before it answers and before it forwards to subscribers (lib/handlers/publish.js:
 * authorizePublish, then enqueuePublish writes the PUBACK and publishes). A PUBLISH under
 * `<topicPrefix>/` is held: its topic and payload bytes are collected and posted once per event-loop
 * turn (`post`); aedes gets its callback only when the gateway settles the id (`settle`), after the
 * readings are durable. So the device's PUBACK waits for the spool append by construction. Then aedes
 * forwards the message to other subscribers as usual. `settle(ids, err)` passes the error to aedes,
 * which closes that client's connection (MQTT 3.1.1 has no negative PUBACK); the device sends the
 * message again on its next connection (§4.4). Other topics pass at once.
 */
export function createHandoff(topicPrefix: string, post: (h: Handoff) => void, defer: (fn: () => void) => void = setImmediate) {
  const prefix = topicPrefix.replace(/\/+$/, '') + '/';
  const pending = new Map<number, Callback>();
  let next = 1;
  let turn: Handoff | undefined;

  const flush = () => {
    const h = turn;
    turn = undefined;
    if (h) post(h);
  };

  const authorizePublish: AuthorizePublish = (client, packet, callback) => {
    // wills (client null) and other topics are not device data
    if (!client || !packet.topic.startsWith(prefix)) return callback(null);
    const id = next++;
    pending.set(id, callback);
    if (!turn) {
      turn = { ids: [], topics: [], payloads: [], dups: [] };
      defer(flush);
    }
    turn.ids.push(id);
    turn.topics.push(packet.topic);
    const p = packet.payload;
    turn.payloads.push(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
    turn.dups.push(packet.dup === true);
  };

  return {
    authorizePublish,
    settle(ids: readonly number[], err?: Error) {
      for (const id of ids) {
        const cb = pending.get(id);
        if (!cb) continue;
        pending.delete(id);
        cb(err ?? null);
      }
    },
    /** ids handed over and not yet settled */
    pending: () => pending.size,
  };
}
