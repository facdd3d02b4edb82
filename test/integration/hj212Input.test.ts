import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createDeadLetterStore, type DeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createDeviceHealth } from '../../gateway/health/index.js';
import { createHj212Input, type LoggerPoint } from '../../gateway/inputs/hj212/index.js';
import { decodeFrame, Hj212Framer, type Hj212Packet } from '../../gateway/protocols/hj212/index.js';
import type { ReadingBatch } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Hj212Device } from '../../gateway/registry/schema.js';
import { hashSecret } from '../../gateway/secrets/index.js';
import { Hj212LoggerSim } from '../../simulators/hj212/logger.js';
import { crc16 } from '../../simulators/hj212/wire.js';
import { waitFor } from '../helpers/wait.js';

const registry = loadRegistry();
const site = registry.sites.find((s) => s.id === 'WP-31')!;
const device = site.devices.find((d) => d.kind === 'hj212') as Hj212Device;
const other = registry.sites.find((s) => s.id === 'WP-32')!.devices.find((d) => d.kind === 'hj212') as Hj212Device;
/** the loggers' PWs, and their hashes as the secrets file holds them (cheap cost: tests) */
const PW = 'wp31-logger-pw';
const OTHER_PW = 'wp32-logger-pw';
const cheap = { ln: 4, r: 8, p: 1 };
const credentials = { loggers: { [device.mn]: hashSecret(PW, cheap), [other.mn]: hashSecret(OTHER_PW, cheap) } };
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** the input alone on a free port; batches are held so the test decides when they are durable */
async function startInput(autoAck = false): Promise<{ port: number; batches: ReadingBatch[]; deadLetters: DeadLetterStore; points: LoggerPoint[] }> {
  const batches: ReadingBatch[] = [];
  const points: LoggerPoint[] = [];
  const deadLetters = createDeadLetterStore();
  let port = 0;
  const input = createHj212Input({ port: 0, credentials, onListening: (a) => (port = a.port), points: (ps) => void points.push(...ps) });
  const sub = input({ registry, log: pino({ level: 'silent' }), deadLetters, health: createDeviceHealth(), mqttUrl: '' }).subscribe((b) => {
    batches.push(b);
    if (autoAck) b.ack?.();
  });
  stops.push(() => sub.unsubscribe());
  await waitFor(() => port, 'the listener');
  return { port, batches, deadLetters, points };
}

/** a raw TCP client that collects the platform's replies */
async function client(port: number): Promise<{ socket: Socket; replies: Hj212Packet[]; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port });
  const replies: Hj212Packet[] = [];
  const framer = new Hj212Framer();
  let closed = false;
  socket.on('data', (c: Buffer) => framer.push(c).forEach((o) => 'frame' in o && (() => { const d = decodeFrame(o.frame); if (d.ok) replies.push(d.packet); })()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  stops.push(() => socket.destroy());
  return { socket, replies, closed: () => closed };
}

/** packets as the park's WP-31 logger makes them (values from a fixed function) */
function packets(pw = PW, mn = device.mn): Hj212LoggerSim {
  return new Hj212LoggerSim({ host: '127.0.0.1', port: 1, mn, pw, channels: device.channels, value: (c, at) => (at / 1000) % 100 + c.length, now: Date.now, intervalMs: device.intervalMs });
}
/** ##, length, segment, HJ 212 CRC16, CR LF (the logger simulator's wire code, not the gateway's codec) */
const encodeFrame = (segment: string) => {
  const bytes = Buffer.from(segment, 'utf8');
  return Buffer.from(`##${String(bytes.length).padStart(4, '0')}${segment}${crc16(bytes).toString(16).toUpperCase().padStart(4, '0')}\r\n`, 'utf8');
};
const qnOf = (frame: Buffer) => (decodeFrame(frame) as { ok: true; packet: Hj212Packet }).packet.qn;
const t0 = Date.UTC(2026, 10, 27, 2, 0, 0);

describe('HJ 212 input over real TCP', () => {
  it('sends 9014 with the packet QN only once its batch is acknowledged (durable), not on receipt', async () => {
    const { port, batches } = await startInput();
    const c = await client(port);
    const sim = packets();
    const a = sim.realtimePacket(t0, 5); // Flag=5: HJ 212-2017, ack asked
    const b = sim.realtimePacket(t0 + 30_000, 5);
    c.socket.write(a);
    await waitFor(() => batches[0], 'batch of the first packet');
    c.socket.write(b);
    await waitFor(() => batches[1], 'batch of the second packet');
    expect(batches[0]!.readings.map((r) => [r.site, r.device, r.source, r.ts])).toContainEqual(['WP-31', 'WP-31-L', 'hj212', t0]);
    expect(batches[0]!.readings).toHaveLength(device.channels.length);
    batches[1]!.ack!();
    await waitFor(() => c.replies.find((r) => r.cn === '9014'), '9014 of the second packet');
    // replies are ordered on the connection: a 9014 sent on receipt of the first packet would be here by now
    expect(c.replies.map((r) => [r.cn, r.qn])).toEqual([['9014', qnOf(b)]]);
    batches[0]!.ack!();
    await waitFor(() => c.replies.length === 2, '9014 of the first packet');
    expect(c.replies[1]).toMatchObject({ cn: '9014', qn: qnOf(a), st: '91', mn: device.mn });
  });

  it('handles a packet split over several writes, and several packets in one write', async () => {
    const { port, batches } = await startInput();
    const c = await client(port);
    const sim = packets();
    const one = sim.realtimePacket(t0, 4);
    for (const cut of [one.subarray(0, 7), one.subarray(7, 60), one.subarray(60)]) {
      c.socket.write(cut);
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => batches[0], 'the split packet');
    c.socket.write(Buffer.concat([sim.realtimePacket(t0 + 30_000, 4), sim.realtimePacket(t0 + 60_000, 4)]));
    await waitFor(() => batches.length === 3, 'both coalesced packets');
    expect(batches.map((b) => b.readings[0]!.ts)).toEqual([t0, t0 + 30_000, t0 + 60_000]);
  });

  it('a bad-CRC packet between two good ones costs only itself (counted, dead-lettered)', async () => {
    const { port, batches, deadLetters } = await startInput();
    const c = await client(port);
    const sim = packets();
    c.socket.write(Buffer.concat([sim.realtimePacket(t0, 4), sim.badCrcPacket(t0 + 10_000), sim.realtimePacket(t0 + 30_000, 4)]));
    await waitFor(() => batches.length === 2 && deadLetters.total() === 1, 'two good packets and one dead letter');
    expect(batches.map((b) => b.readings.length)).toEqual([device.channels.length, device.channels.length]);
    expect(deadLetters.counts()).toEqual({ 'bad-crc': 1 });
    expect(deadLetters.recent()[0]).toMatchObject({ source: 'hj212', reason: 'bad-crc' });
  });

  it('stores nothing from an unknown MN or a wrong PW: refused with 9011 QnRtn 4 / 3, counted, dead-lettered, closed after 3 refusals', async () => {
    const { port, batches, deadLetters } = await startInput();
    const c = await client(port);
    c.socket.write(packets(PW, 'FFFF00000000000000000001').realtimePacket(t0, 5));
    c.socket.write(packets('654321').realtimePacket(t0, 5));
    await waitFor(() => c.replies.length === 2, 'two refusals');
    expect(c.replies.map((r) => [r.cn, r.cp.fields.QnRtn])).toEqual([['9011', '4'], ['9011', '3']]);
    expect(deadLetters.counts()).toEqual({ 'unknown-mn': 1, 'bad-pw': 1 });
    c.socket.write(packets('000000').realtimePacket(t0, 5));
    await waitFor(() => c.closed(), 'the connection closed after the third refusal');
    // a good packet on a new connection is still read: refusals cost only their connection
    const good = await client(port);
    good.socket.write(packets().realtimePacket(t0, 4));
    await waitFor(() => batches[0], 'the good packet');
    expect(batches).toHaveLength(1);
    expect(deadLetters.counts()).toEqual({ 'unknown-mn': 1, 'bad-pw': 2 });
  });

  it('checks the PW against the hash in the secrets file: a registry-less wrong PW stores nothing, the right one is verified once', async () => {
    const { port, batches, deadLetters } = await startInput(true);
    const c = await client(port);
    c.socket.write(packets('not-the-pw').realtimePacket(t0, 5));
    await waitFor(() => c.replies.length === 1, 'the refusal');
    expect(c.replies[0]!.cp.fields.QnRtn).toBe('3');
    expect(deadLetters.recent()[0]).toMatchObject({ reason: 'bad-pw', detail: `wrong PW for MN ${device.mn}` });
    expect(deadLetters.recent()[0]!.detail).not.toContain('not-the-pw');
    expect(deadLetters.recent()[0]!.raw).toContain(`PW=[redacted];MN=${device.mn}`); // the frame is kept, its PW is not
    // the right PW after a wrong one on the same connection, then packets in order behind the hashing
    c.socket.write(Buffer.concat([packets().realtimePacket(t0, 4), packets().realtimePacket(t0 + 30_000, 4)]));
    await waitFor(() => batches.length === 2, 'both packets');
    expect(batches.map((b) => b.readings[0]!.ts)).toEqual([t0, t0 + 30_000]);
    expect(batches.flatMap((b) => b.readings.map((r) => r.site))).toEqual(Array(2 * device.channels.length).fill('WP-31'));
  });

  it("binds a connection to its first authenticated MN: another logger's MN on it is refused and stores nothing, even with that logger's right PW", async () => {
    const { port, batches, deadLetters } = await startInput(true);
    const c = await client(port);
    c.socket.write(packets().realtimePacket(t0, 4));
    await waitFor(() => batches.length === 1, 'the first packet, as WP-31');
    c.socket.write(packets(OTHER_PW, other.mn).realtimePacket(t0 + 30_000, 5));
    await waitFor(() => deadLetters.counts()['mn-mismatch'] === 1, 'the refusal');
    expect(c.replies.at(-1)).toMatchObject({ cn: '9011', cp: { fields: { QnRtn: '4' } } });
    expect(deadLetters.recent().at(-1)!.detail).toBe(`connection authenticated as MN ${device.mn}; a packet for MN ${other.mn} is refused`);
    expect(deadLetters.recent().at(-1)!.raw).not.toContain(OTHER_PW);
    // its own packets still pass after the refusal; the other logger's never did
    c.socket.write(packets().realtimePacket(t0 + 60_000, 4));
    await waitFor(() => batches.length === 2, 'the next own packet');
    expect(batches.flatMap((b) => b.readings.map((r) => r.site))).not.toContain('WP-32');
    // the other logger on its own connection is fine
    const own = await client(port);
    own.socket.write(packets(OTHER_PW, other.mn).realtimePacket(t0 + 30_000, 4));
    await waitFor(() => batches.length === 3, "WP-32's packet on its own connection");
    expect(batches[2]!.readings[0]!.site).toBe('WP-32');
  });

  it('reassembles a split packet (PNUM/PNO) into one batch; each part gets its own 9014 once the whole is durable', async () => {
    const { port, batches } = await startInput();
    const clock = t0;
    const sim = new Hj212LoggerSim({ host: '127.0.0.1', port, mn: device.mn, pw: PW, channels: device.channels, value: () => 3.5, now: () => clock, intervalMs: 30_000, splitFactors: 3, ackTimeoutMs: 5_000 });
    stops.push(() => sim.close());
    sim.start();
    await waitFor(() => sim.online, 'the logger connected');
    const acked = sim.record(clock);
    const batch = await waitFor(() => batches[0], 'the reassembled packet');
    expect(batch.readings.map((r) => r.pollutant).sort()).toEqual([...device.channels].sort());
    expect(sim.sent).toBe(3); // 7 factors in parts of 3, 3 and 1
    expect(sim.acked.size).toBe(0);
    batch.ack!();
    expect(await acked).toBe(true);
    expect(sim.acked.size).toBe(3);
    expect(batches).toHaveLength(1);
  });

  it("stores the logger's own hour values (2061) as logger_means points, not as real-time readings, and acknowledges them once spooled", async () => {
    const { port, batches, points } = await startInput();
    const c = await client(port);
    // the hour before t0: the logger's 2061 from its history of that hour
    const segment = `QN=20261127095959001;ST=32;CN=2061;PW=${PW};MN=${device.mn};Flag=5;CP=&&DataTime=20261127090000;w01018-Min=40.1,w01018-Avg=41.5,w01018-Max=43.0,w01018-Flag=N;w00000-Cou=63.0,w00000-Avg=17.5,w00000-Flag=N&&`;
    c.socket.write(encodeFrame(segment));
    await waitFor(() => c.replies.find((r) => r.cn === '9014'), '9014 of the hour packet');
    expect(batches).toHaveLength(0);
    expect(points).toEqual([
      { measurement: 'logger_means', tags: { site: 'WP-31', pollutant: 'w01018', period: 'hour', mn: device.mn }, fields: { min: 40.1, avg: 41.5, max: 43, flag: 'N' }, timestamp: t0 - 3_600_000 },
      { measurement: 'logger_means', tags: { site: 'WP-31', pollutant: 'w00000', period: 'hour', mn: device.mn }, fields: { avg: 17.5, cou: 63, flag: 'N' }, timestamp: t0 - 3_600_000 },
    ]);
  });

  it('a listen port in use does not end the input: it is tried again until free', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const logs: { msg: string }[] = [];
    let listening = 0;
    let failed: unknown;
    const input = createHj212Input({ port, onListening: (a) => (listening = a.port) });
    const log = pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l) as { msg: string }) });
    const sub = input({ registry, log, deadLetters: createDeadLetterStore(), health: createDeviceHealth(), mqttUrl: '' }).subscribe({ error: (e: unknown) => (failed = e) });
    stops.push(() => sub.unsubscribe());
    await waitFor(() => logs.some((l) => l.msg.startsWith('hj212 listener failed')), 'the listen error logged');
    await new Promise((r) => blocker.close(r));
    await waitFor(() => listening, 'the listener on the freed port', 15_000);
    expect(listening).toBe(port);
    expect(failed).toBeUndefined();
  }, 20_000);

  it('logger simulator: a packet whose batch failed to be made durable gets no 9014 and is sent again after the timeout, with its QN', async () => {
    const { port, batches } = await startInput();
    const sim = new Hj212LoggerSim({ host: '127.0.0.1', port, mn: device.mn, pw: PW, channels: ['w01018'], value: () => 42, now: () => t0, intervalMs: 30_000, ackTimeoutMs: 300, retries: 3 });
    stops.push(() => sim.close());
    sim.start();
    await waitFor(() => sim.online, 'the logger connected');
    const acked = sim.record(t0);
    const first = await waitFor(() => batches[0], 'the first copy');
    first.ack!(new Error('spool append failed'));
    const again = await waitFor(() => batches[1], 'the copy sent again after the timeout');
    again.ack!();
    expect(await acked).toBe(true);
    expect(again.readings).toEqual(first.readings);
    expect(sim.sent).toBe(2);
    expect(sim.received.filter((p) => p.cn === '9014')).toHaveLength(1);
  });

  it('logger simulator: minute (2051) and hour (2061) values from its history at their boundaries', async () => {
    const { port, points } = await startInput(true);
    let clock = t0 - 20 * 60_000;
    const sim = new Hj212LoggerSim({ host: '127.0.0.1', port, mn: device.mn, pw: PW, channels: ['w01018'], value: (_c, at) => (at < t0 - 10 * 60_000 ? 10 : 20), now: () => clock, intervalMs: 30_000, minuteMs: 600_000 });
    stops.push(() => sim.close());
    sim.start();
    await waitFor(() => sim.online, 'the logger connected');
    for (; clock <= t0; clock += 30_000) expect(await sim.record(clock)).toBe(true);
    const minutes = points.filter((p) => p.tags.period === 'minute');
    expect(minutes.map((p) => [p.timestamp, p.fields.avg])).toEqual([
      [t0 - 20 * 60_000, 10],
      [t0 - 10 * 60_000, 20],
    ]);
    // the hour before t0 holds the samples of its last 20 minutes: 20 at 10 mg/L, 20 at 20 mg/L
    expect(points.filter((p) => p.tags.period === 'hour').map((p) => [p.timestamp, p.fields])).toEqual([[t0 - 3_600_000, { min: 10, avg: 15, max: 20, flag: 'N' }]]);
  });
});
