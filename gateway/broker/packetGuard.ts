import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Reads MQTT fixed headers as the bytes arrive [MQTT-2.2]: one byte of packet type and flags, then the
 * Remaining Length, 1..4 bytes of 7 bits each with a continuation bit [MQTT-2.2.3]; then skips that many
 * bytes to the next header. `feed` returns an error text as soon as a header announces more than `max`
 * bytes (or a fifth length byte appears), before any of the body has been read, so nothing buffers it.
 */
export function createHeaderScanner(max: number) {
  let skip = 0; // body bytes of the current packet still to come
  let inHeader = false; // after the type byte, reading length bytes
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  return {
    feed(chunk: Uint8Array): string | undefined {
      let i = 0;
      while (i < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - i);
          skip -= n;
          i += n;
          continue;
        }
        const b = chunk[i++]!;
        if (!inHeader) {
          inHeader = true;
          length = 0;
          multiplier = 1;
          lengthBytes = 0;
          continue;
        }
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes++;
        if (length > max) return `packet of at least ${length} bytes announced, limit is ${max}`;
        if (b & 0x80) {
          // [MQTT-2.2.3]: at most four bytes of Remaining Length
          if (lengthBytes === 4) return 'malformed Remaining Length (more than 4 bytes)';
          continue;
        }
        inHeader = false;
        skip = length;
      }
      return undefined;
    },
  };
}

/**
 * The connection aedes reads: the socket's bytes pass through the header scanner first. A packet
 * announcing more than `maxPacketBytes` destroys the socket before its body is read (`onTooBig` says
 * why), so a 200 MB PUBLISH costs the broker one chunk, not 200 MB. Writes go straight to the socket
 * (their callback once the socket took them, so aedes sees the socket's back-pressure).
 */
export function guardConnection(socket: Socket, maxPacketBytes: number, onTooBig: (reason: string) => void): Duplex & { remoteAddress?: string } {
  const scanner = createHeaderScanner(maxPacketBytes);
  const conn = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (socket.destroyed) return cb(new Error('socket closed'));
      socket.write(chunk, (err) => cb(err ?? null));
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  }) as Duplex & { remoteAddress?: string };
  conn.remoteAddress = socket.remoteAddress;
  socket.on('data', (chunk: Buffer) => {
    const tooBig = scanner.feed(chunk);
    if (tooBig) {
      onTooBig(tooBig);
      socket.destroy();
      conn.destroy();
      return;
    }
    if (!conn.push(chunk)) socket.pause();
  });
  socket.once('end', () => conn.push(null));
  socket.once('close', () => conn.destroy());
  socket.on('error', (err) => conn.destroy(err));
  return conn;
}
