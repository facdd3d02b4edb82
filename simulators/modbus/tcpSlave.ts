import { createServer, type AddressInfo, type Socket } from 'node:net';
import { answer, type SlaveUnit } from './pdu.js';

export interface SlaveStats {
  requests: number;
  /** requests left without an answer (silent or unknown unit) */
  unanswered: number;
  exceptions: number;
  /** requests per unit id */
  perUnit: Record<number, number>;
  /** client connections open now (TCP) */
  connections: number;
}

export const emptyStats = (): SlaveStats => ({ requests: 0, unanswered: 0, exceptions: 0, perUnit: {}, connections: 0 });

/** Count one request and its answer (null = none). */
export function count(stats: SlaveStats, unitId: number, response: Buffer | null): void {
  stats.requests++;
  stats.perUnit[unitId] = (stats.perUnit[unitId] ?? 0) + 1;
  if (!response) stats.unanswered++;
  else if ((response[0] ?? 0) & 0x80) stats.exceptions++;
}

export interface TcpSlave {
  port: number;
  stats: SlaveStats;
  close(): Promise<void>;
}

const MBAP = 7; // transaction id 2, protocol id 2, length 2, unit id 1

/**
 * A Modbus TCP server (a device or a TCP gateway) serving several unit ids on one port, any number of
 * client connections at once (Modbus Messaging on TCP/IP Implementation Guide V1.0b §4.2.1). Each
 * request is answered on its own: a silent unit leaves its request unanswered without delaying others.
 */
export async function startTcpSlave(units: Map<number, SlaveUnit>, host = '127.0.0.1', port = 0): Promise<TcpSlave> {
  const sockets = new Set<Socket>();
  const stats = emptyStats();
  const server = createServer((sock) => {
    sockets.add(sock);
    stats.connections = sockets.size;
    sock.on('close', () => {
      sockets.delete(sock);
      stats.connections = sockets.size;
    });
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= MBAP) {
        const protocol = buf.readUInt16BE(2);
        const length = buf.readUInt16BE(4); // unit id + PDU
        // §3.1.3: protocol identifier 0 = MODBUS; an ADU is at most 260 bytes (length ≤ 254)
        if (protocol !== 0 || length < 2 || length > 254) {
          sock.destroy();
          return;
        }
        if (buf.length < 6 + length) break;
        const tid = buf.readUInt16BE(0);
        const unitId = buf[6]!;
        const pdu = buf.subarray(MBAP, 6 + length);
        buf = buf.subarray(6 + length);
        const unit = units.get(unitId);
        const fault = unit?.fault?.();
        if (fault === 'reset') {
          count(stats, unitId, null);
          sock.resetAndDestroy(); // the connection dies with the request unanswered (TCP RST)
          return;
        }
        const response = answer(Buffer.from(pdu), unit, 'gateway-exception');
        count(stats, unitId, response);
        if (!response) continue;
        const head = Buffer.alloc(MBAP);
        head.writeUInt16BE(tid, 0);
        head.writeUInt16BE(0, 2);
        head.writeUInt16BE(response.length + 1, 4);
        head[6] = unitId;
        // short frame: the MBAP length promises the whole PDU, only the function code follows
        sock.write(fault === 'short-frame' ? Buffer.concat([head, response.subarray(0, 1)]) : Buffer.concat([head, response]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
