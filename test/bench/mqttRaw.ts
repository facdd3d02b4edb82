import { connect as tcpConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { remainingLength } from '../helpers/mqttAuth.js';

/**
 * A minimal MQTT 3.1.1 publisher for load generation: CONNECT, PUBLISH at QoS 0/1, PUBACK counting,
 * DISCONNECT. Packets are built into one buffer per burst and written with a single socket write, so
 * one process can offer far more messages per second than a general-purpose client; the broker and
 * the gateway still see ordinary MQTT traffic.
 */

/** MQTT 3.1.1 §2.2.3: remaining length, 1-4 bytes, 7 bits each, MSB = continuation. */
const varint = remainingLength;

function utf8Field(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

/** CONNECT (§3.1): protocol name "MQTT", level 4, flags, keep alive, client id. */
export function connectPacket(clientId: string, clean: boolean, keepaliveSec = 600): Buffer {
  const body = Buffer.concat([utf8Field('MQTT'), Buffer.from([4, clean ? 0x02 : 0x00, keepaliveSec >> 8, keepaliveSec & 0xff]), utf8Field(clientId)]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

/** PUBLISH (§3.3) into `out` at `offset`; returns the new offset. QoS 1 carries a packet id. */
export function writePublish(out: Buffer, offset: number, topic: Buffer, payload: Buffer | string, qos: 0 | 1, packetId: number): number {
  const payloadLen = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const remaining = 2 + topic.length + (qos ? 2 : 0) + payloadLen;
  out[offset++] = 0x30 | (qos << 1);
  for (const b of varint(remaining)) out[offset++] = b;
  out.writeUInt16BE(topic.length, offset);
  offset += 2;
  offset += topic.copy(out, offset);
  if (qos) {
    out.writeUInt16BE(packetId, offset);
    offset += 2;
  }
  offset += typeof payload === 'string' ? out.write(payload, offset, 'utf8') : payload.copy(out, offset);
  return offset;
}

export const publishSize = (topic: Buffer, payloadLen: number, qos: 0 | 1) => {
  const remaining = 2 + topic.length + (qos ? 2 : 0) + payloadLen;
  return 1 + varint(remaining).length + remaining;
};

export interface RawClient {
  readonly socket: Socket;
  /** PUBACKs received so far */
  readonly acked: number;
  /** resolves when `acked` reaches n (or rejects when the connection closes first) */
  ackedAtLeast(n: number, timeoutMs: number): Promise<void>;
  disconnect(): Promise<void>;
}

/** Connects and waits for a successful CONNACK (§3.2: return code 0). */
export function connectRaw(url: string, clientId: string, opts: { clean?: boolean } = {}): Promise<RawClient> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: u.hostname, port: Number(u.port || 1883), noDelay: true });
    let buf = Buffer.alloc(0);
    let acked = 0;
    let connected = false;
    const waiters = new Set<{ n: number; resolve: () => void; reject: (e: Error) => void }>();
    const client: RawClient = {
      socket,
      get acked() {
        return acked;
      },
      ackedAtLeast(n, timeoutMs) {
        if (acked >= n) return Promise.resolve();
        return new Promise<void>((res, rej) => {
          const w = {
            n,
            resolve: () => (clearTimeout(t), res()),
            reject: (e: Error) => (clearTimeout(t), rej(e)),
          };
          const t = setTimeout(() => {
            waiters.delete(w);
            rej(new Error(`${clientId}: ${acked} of ${n} PUBACKs after ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.add(w);
        });
      },
      disconnect() {
        return new Promise<void>((res) => {
          if (socket.destroyed) return res();
          socket.once('close', () => res());
          socket.end(Buffer.from([0xe0, 0x00])); // DISCONNECT §3.14
        });
      },
    };
    socket.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let i = 0;
      while (i + 2 <= buf.length) {
        // decode the remaining length (§2.2.3)
        let len = 0;
        let mul = 1;
        let j = i + 1;
        let complete = false;
        while (j < buf.length) {
          const b = buf[j++]!;
          len += (b & 0x7f) * mul;
          mul *= 128;
          if ((b & 0x80) === 0) {
            complete = true;
            break;
          }
        }
        if (!complete || j + len > buf.length) break;
        const type = buf[i]! >> 4;
        if (type === 2) {
          const rc = buf[j + 1];
          if (rc !== 0) {
            reject(new Error(`${url}: CONNACK return code ${rc}`));
            socket.destroy();
            return;
          }
          connected = true;
          resolve(client);
        } else if (type === 4) acked++;
        i = j + len;
      }
      buf = buf.subarray(i);
      for (const w of waiters)
        if (acked >= w.n) {
          waiters.delete(w);
          w.resolve();
        }
    });
    socket.on('error', (err) => {
      if (!connected) reject(err);
    });
    socket.on('close', () => {
      if (!connected) reject(new Error(`${url}: connection closed before CONNACK`));
      for (const w of waiters) w.reject(new Error(`${clientId}: connection closed with ${acked} of ${w.n} PUBACKs`));
      waiters.clear();
    });
    socket.once('connect', () => socket.write(connectPacket(clientId, opts.clean ?? true)));
  });
}

/** Ends a persistent session a client left on a broker: CONNECT with CleanSession = 1 discards it [MQTT-3.1.2-6]. */
export async function dropSession(url: string, clientId: string): Promise<void> {
  const c = await connectRaw(url, clientId, { clean: true });
  await c.disconnect();
}

/** One QoS 1 PUBLISH written at once; returns the wall-clock time (ms, sub-ms precision) of the write. */
export function publishOne(c: RawClient, topic: string, payload: string, id: number): number {
  const t = Buffer.from(topic);
  const buf = Buffer.alloc(publishSize(t, Buffer.byteLength(payload), 1));
  writePublish(buf, 0, t, payload, 1, (id % 65535) + 1);
  const at = performance.timeOrigin + performance.now();
  c.socket.write(buf);
  return at;
}
