import Pkg from 'modbus-serial';
import type { Line } from './config.js';
import { PollError } from './errors.js';
import type { ReadRequest } from './plan.js';
import { SerialQueue } from './queue.js';

const ModbusRTU = Pkg.default;
type Client = InstanceType<typeof ModbusRTU>;

/** What a poll may do with an open link. */
export interface ModbusChannel {
  /** read registers (uint16) or bits (0/1) from one slave */
  read(unitId: number, req: ReadRequest, timeoutMs: number): Promise<number[]>;
}

/** What a command (e.g. the valve actuator) may do with an open link: read, and write single points. */
export interface ModbusIo extends ModbusChannel {
  /** Modbus Application Protocol V1.1b3 §6.5 FC 05 Write Single Coil: 0xFF00 on, 0x0000 off */
  writeCoil(unitId: number, address: number, on: boolean, timeoutMs: number): Promise<void>;
  /** V1.1b3 §6.6 FC 06 Write Single Register */
  writeRegister(unitId: number, address: number, value: number, timeoutMs: number): Promise<void>;
}

export interface Backoff {
  initial: number;
  max: number;
}

/**
 * One client connection: a Modbus TCP connection (one per device, so a dead slave behind a TCP gateway
 * cannot hold up its neighbours) or an RS-485 line (one per line, shared by its slaves). Jobs run one at
 * a time through a queue: on a serial line only one request may be in flight (Modbus over Serial Line
 * V1.02 §2.1). Opens on first use; after a failed open, further jobs fail fast with a 'connection' error
 * until the capped exponential backoff has passed.
 */
export class Link {
  private readonly queue = new SerialQueue();
  private client: Client | undefined;
  private retryAt = 0;
  private delay: number;
  private closed = false;

  constructor(
    readonly line: Line,
    private readonly backoff: Backoff,
    private readonly now: () => number,
    /** connect/open timeout */
    private readonly openTimeoutMs: number,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.delay = backoff.initial;
  }

  /** jobs waiting for or using the link */
  get pending(): number {
    return this.queue.length;
  }

  /** Run one job with exclusive use of the connection (polls and commands share the same queue). */
  run<T>(job: (ch: ModbusIo) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      const client = await this.open();
      return job({
        read: (unitId, req, timeoutMs) => read(client, unitId, req, timeoutMs),
        writeCoil: (unitId, address, on, timeoutMs) => writeCoil(client, unitId, address, on, timeoutMs),
        writeRegister: (unitId, address, value, timeoutMs) => writeRegister(client, unitId, address, value, timeoutMs),
      });
    });
  }

  private async open(): Promise<Client> {
    if (this.closed) throw new PollError('connection', `line ${this.line.id} is closed`);
    if (this.client?.isOpen) return this.client;
    if (this.client) {
      const old = this.client;
      this.client = undefined;
      await shut(old, this.line);
    }
    const t = this.now();
    if (t < this.retryAt) throw new PollError('connection', `${describe(this.line)} not connected; next attempt in ${Math.ceil(this.retryAt - t)} ms`);
    const client = new ModbusRTU();
    client.on('error', (err) => this.onError(err instanceof Error ? err : new Error(String(err))));
    try {
      await withTimeout(connect(client, this.line, this.openTimeoutMs), this.openTimeoutMs, `${describe(this.line)}: no connection after ${this.openTimeoutMs} ms`);
    } catch (err) {
      void shut(client, this.line);
      this.retryAt = this.now() + this.delay;
      const msg = `cannot open ${describe(this.line)}: ${(err as Error).message}; retry in ${this.delay} ms`;
      this.delay = Math.min(this.delay * 2, this.backoff.max);
      throw new PollError('connection', msg);
    }
    if (this.closed) {
      void shut(client, this.line);
      throw new PollError('connection', `line ${this.line.id} is closed`);
    }
    this.delay = this.backoff.initial;
    this.retryAt = 0;
    this.client = client;
    return client;
  }

  /** Close the connection; queued jobs fail with a 'connection' error. */
  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) await shut(c, this.line);
  }
}

function describe(line: Line): string {
  return line.transport === 'tcp' ? `tcp ${line.host}:${line.port}` : `serial ${line.path}`;
}

function connect(client: Client, line: Line, timeoutMs: number): Promise<void> {
  if (line.transport === 'tcp') {
    client.setTimeout(timeoutMs); // also bounds the TCP connect
    return client.connectTCP(line.host, { port: line.port });
  }
  return client.connectRTUBuffered(line.path, { baudRate: line.baudRate, dataBits: line.dataBits, parity: line.parity, stopBits: line.stopBits });
}

/** TCP: destroy the socket. Serial: close the port (bounded: a vanished device must not hang the caller). */
function shut(client: Client, line: Line): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(guard);
      resolve();
    };
    const guard = setTimeout(done, 2000);
    try {
      if (line.transport === 'tcp') client.destroy(done);
      else if (client.isOpen) client.close(done);
      else done();
    } catch {
      done();
    }
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Modbus Application Protocol V1.1b3 §6.1-6.4: FC 01/02 answer bits (padded to whole bytes), FC 03/04 registers. */
async function read(client: Client, unitId: number, req: ReadRequest, timeoutMs: number): Promise<number[]> {
  client.setID(unitId);
  client.setTimeout(timeoutMs);
  switch (req.fc) {
    case 1:
      return (await client.readCoils(req.address, req.quantity)).data.slice(0, req.quantity).map(Number);
    case 2:
      return (await client.readDiscreteInputs(req.address, req.quantity)).data.slice(0, req.quantity).map(Number);
    case 3:
      return (await client.readHoldingRegisters(req.address, req.quantity)).data;
    case 4:
      return (await client.readInputRegisters(req.address, req.quantity)).data;
  }
}

/** Modbus Application Protocol V1.1b3 §6.5: FC 05 sends 0xFF00 (on) or 0x0000 (off); the answer echoes the request. */
async function writeCoil(client: Client, unitId: number, address: number, on: boolean, timeoutMs: number): Promise<void> {
  client.setID(unitId);
  client.setTimeout(timeoutMs);
  await client.writeCoil(address, on);
}

/** Modbus Application Protocol V1.1b3 §6.6: FC 06 writes one 16-bit register; the answer echoes the request. */
async function writeRegister(client: Client, unitId: number, address: number, value: number, timeoutMs: number): Promise<void> {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`register value ${value} is not a 16-bit word`);
  client.setID(unitId);
  client.setTimeout(timeoutMs);
  await client.writeRegister(address, value);
}
