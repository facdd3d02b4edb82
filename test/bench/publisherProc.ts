import './childGuard.js';
import { topicOf, payloadOf, unitsOf, type PublisherPlan, type PublisherResult } from './load.js';
import { connectRaw, publishSize, writePublish, type RawClient } from './mqttRaw.js';

/**
 * Load publisher (child process). Protocol over IPC: {type:'plan'} → connects → {type:'ready'};
 * {type:'go'} → publishes exactly round(rate × duration) readings' worth of messages at the planned
 * rate (never ahead of schedule; behind it when it cannot keep up) → waits for every PUBACK →
 * {type:'done', result}. {type:'halt'} ends publishing early. Exits when the harness disconnects.
 */
const send = (m: unknown) => process.send?.(m);

async function run(plan: PublisherPlan, client: RawClient): Promise<PublisherResult> {
  const units = unitsOf(plan.devices, plan.shape).map((u, i) => ({ ...u, i, topic: Buffer.from(topicOf(plan.prefix, u.device)) }));
  const perMsg = units.reduce((a, u) => a + u.channels.length, 0) / units.length;
  const msgsPerSec = plan.readingsPerSec / perMsg;
  const total = Math.round((msgsPerSec * plan.durationMs) / 1000);
  const socket = client.socket;
  let sent = 0;
  let readings = 0;
  let packetId = 0;
  let tsEnd = plan.tsBase;
  let blockedMs = 0;
  const startedAt = Date.now();
  const t0 = performance.now();
  let buf = Buffer.alloc(1 << 20);
  halted = false;
  while (sent < total && !halted) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * msgsPerSec) / 1000));
    const room = plan.qos ? plan.window - (sent - client.acked) : Infinity;
    const n = Math.min(due - sent, room, 4000);
    if (n <= 0 || socket.writableLength > 8 << 20) {
      const waitedFrom = performance.now();
      await new Promise((r) => setTimeout(r, 2));
      // behind schedule but not allowed to send: the broker is not acknowledging (or reading) fast enough
      if (due > sent) blockedMs += performance.now() - waitedFrom;
      continue;
    }
    let off = 0;
    for (let j = 0; j < n; j++) {
      const m = sent + j;
      const u = units[m % units.length]!;
      const k = Math.floor(m / units.length);
      const ts = plan.tsBase + k * plan.of + plan.index;
      const payload = payloadOf(ts, u.channels, k, u.i);
      const size = publishSize(u.topic, Buffer.byteLength(payload), plan.qos);
      if (off + size > buf.length) {
        const bigger = Buffer.alloc(buf.length * 2);
        buf.copy(bigger, 0, 0, off);
        buf = bigger;
      }
      packetId = (packetId % 65535) + 1; // §2.3.1: non-zero 16-bit packet identifier
      off = writePublish(buf, off, u.topic, payload, plan.qos, packetId);
      readings += u.channels.length;
      if (ts + 1 > tsEnd) tsEnd = ts + 1;
    }
    socket.write(Buffer.from(buf.subarray(0, off)));
    sent += n;
    // let PUBACKs in between bursts
    await new Promise((r) => setImmediate(r));
  }
  const endedAt = Date.now();
  if (plan.qos) await client.ackedAtLeast(sent, 120_000);
  return { messages: sent, readings, acked: plan.qos ? client.acked : sent, startedAt, endedAt, ackedAt: Date.now(), tsEnd, blockedMs };
}

let plan: PublisherPlan | undefined;
/** set by {type:'halt'}: stop publishing early (background load for another measurement) */
let halted = false;
let client: RawClient | undefined;
process.on('message', (m: { type: string; plan?: PublisherPlan }) => {
  void (async () => {
    try {
      if (m.type === 'plan' && m.plan) {
        plan = m.plan;
        await client?.disconnect();
        client = await connectRaw(plan.url, plan.clientId, { clean: true });
        send({ type: 'ready' });
      } else if (m.type === 'go' && plan && client) {
        send({ type: 'done', result: await run(plan, client) });
      } else if (m.type === 'halt') {
        halted = true;
      } else if (m.type === 'stop') {
        await client?.disconnect();
        process.exit(0);
      }
    } catch (err) {
      send({ type: 'failed', error: (err as Error).message });
    }
  })();
});
