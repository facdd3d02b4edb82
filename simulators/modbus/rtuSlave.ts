import { SerialPort } from 'serialport';
import { crcOk, withCrc } from './crc.js';
import { answer, type SlaveUnit } from './pdu.js';
import { count, emptyStats, type SlaveStats } from './tcpSlave.js';

export interface RtuSlaveOptions {
  path: string;
  baudRate?: number;
  dataBits?: 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  /** silence after which a partial frame is dropped (default 50 ms) */
  frameGapMs?: number;
}

export interface RtuSlave {
  stats: SlaveStats;
  close(): Promise<void>;
}

/**
 * Length of the request frame at the head of `buf` (address … CRC), undefined while it cannot be known
 * yet, null for a function code this slave does not frame by length (answered once the line goes quiet).
 */
function requestLength(buf: Buffer): number | undefined | null {
  if (buf.length < 2) return undefined;
  const fc = buf[1]!;
  if (fc >= 1 && fc <= 6) return 8; // address, fc, 2 × uint16, CRC
  if (fc === 0x0f || fc === 0x10) return buf.length < 7 ? undefined : 9 + buf[6]!; // + byte count + data
  return null;
}

/** Offset of the first complete, CRC-valid frame after the head of `buf`, or -1. */
function nextFrame(buf: Buffer): number {
  for (let i = 1; i + 4 <= buf.length; i++) {
    const rest = buf.subarray(i);
    const len = requestLength(rest);
    if (typeof len === 'number' && rest.length >= len && crcOk(rest.subarray(0, len))) return i;
  }
  return -1;
}

/**
 * RTU slaves sharing one serial line (Modbus over Serial Line V1.02): frames are addressed by unit id,
 * checked with CRC-16 (§2.5.1.2), and a frame with a bad CRC or for another address is ignored.
 * Broadcast (address 0, §2.1) is executed without a reply. Frames are delimited by the function code's
 * length; bytes that do not form a frame are dropped after `frameGapMs` of silence (the t3.5 rule of
 * §2.5.1.1, stretched for pseudo-terminals).
 */
export async function startRtuSlave(units: Map<number, SlaveUnit>, opts: RtuSlaveOptions): Promise<RtuSlave> {
  const stats = emptyStats();
  const port = new SerialPort({
    path: opts.path,
    baudRate: opts.baudRate ?? 9600,
    dataBits: opts.dataBits ?? 8,
    parity: opts.parity ?? 'none',
    stopBits: opts.stopBits ?? 1,
    autoOpen: false,
  });
  port.on('error', () => undefined); // a vanished pty shows up as close; nothing to recover here
  let buf = Buffer.alloc(0);
  let quiet: NodeJS.Timeout | undefined;

  const serve = (frame: Buffer) => {
    const address = frame[0]!;
    const pdu = Buffer.from(frame.subarray(1, frame.length - 2));
    if (address === 0) {
      for (const u of units.values()) answer(pdu, u, 'silent'); // broadcast: every slave executes, none replies
      count(stats, 0, null);
      return;
    }
    const unit = units.get(address);
    if (!unit) return; // another slave's frame
    const response = answer(pdu, unit, 'silent');
    count(stats, address, response);
    if (!response) return;
    const out = withCrc(Buffer.concat([Buffer.from([address]), response]));
    const fault = unit.fault?.();
    if (fault === 'bad-crc') out[out.length - 1]! ^= 0xff; // §2.5.1.2: the master must reject it
    // truncated answer: address and function code only, no data, no CRC
    port.write(fault === 'short-frame' ? out.subarray(0, 2) : out);
  };

  const drain = (lineQuiet: boolean) => {
    while (buf.length >= 2) {
      const len = requestLength(buf);
      if (len === undefined || (len !== null && buf.length < len)) break; // wait for the rest
      if (len !== null && crcOk(buf.subarray(0, len))) {
        serve(buf.subarray(0, len));
        buf = buf.subarray(len);
        continue;
      }
      if (len === null && lineQuiet && crcOk(buf)) {
        serve(buf);
        buf = Buffer.alloc(0);
        break;
      }
      // noise or a corrupted frame at the head: resynchronise on the next complete frame with a valid CRC
      const next = nextFrame(buf);
      if (next < 0) break;
      buf = buf.subarray(next);
    }
    if (lineQuiet) buf = Buffer.alloc(0);
  };

  port.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    drain(false);
    clearTimeout(quiet);
    if (buf.length) quiet = setTimeout(() => drain(true), opts.frameGapMs ?? 50);
  });

  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return {
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(quiet);
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}
