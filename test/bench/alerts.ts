import type { Registry } from '../../gateway/registry/schema.js';
import { startWecomStandIn, type WecomRequest } from '../helpers/wecomStandIn.js';
import type { BenchContext } from './context.js';
import { closeSession, openSession } from './ingest.js';
import { airDevices, planPublishers, topicOf, type PublisherResult } from './load.js';
import { connectRaw, publishOne } from './mqttRaw.js';
import { sleep } from './procs.js';

/**
 * Workload 3: alert latency. A simulated fence-line station publishes the H2S reading that completes
 * an exceedance (instant limit 0.06 mg/m3, GB 14554-93 Table 1, rule aq-h2s); the latency runs from
 * that publish to the WeCom robot request reaching the local stand-in (test/helpers/wecomStandIn.ts),
 * with the moment the ticket (整改工单) was opened or re-opened as an intermediate point. Meanwhile the
 * full-channel-set load runs at `background` readings/s. The alerts' de-duplication window and robot
 * pacing are switched off for the run (every exceedance is its own alert); they delay alerts on
 * purpose and would otherwise be what is measured.
 */
export interface LatencyResult {
  /** what the latency is measured to */
  endpoint: string;
  background: number;
  backgroundAchieved: number;
  events: number;
  /** ms per event, publish → WeCom request; missing events are not in here */
  latencies: number[];
  /** ms per event, publish → ticket opened/re-opened */
  ticketLatencies: number[];
  missed: number;
}

const KEY = 'benchrobotkey';
const formatValue = (v: number) => String(Number(v.toPrecision(4))); // as processor/alerts/format.ts shows values

export async function alertLatency(ctx: BenchContext, registry: Registry, events: number, background: number, label: string, brokerUrl?: string): Promise<LatencyResult> {
  const standIn = await startWecomStandIn({ keys: [KEY], limit: { max: 1_000_000, windowMs: 60_000 } });
  const r = structuredClone(registry);
  r.alerts.wecom.baseUrl = standIn.baseUrl;
  r.alerts.wecom.rateLimit = { max: 1_000_000, windowMs: 60_000 };
  r.alerts.wecom.minIntervalMs = 0;
  r.alerts.dedupWindowMs = 0;
  let s: Awaited<ReturnType<typeof openSession>>;
  try {
    s = await openSession(ctx, r, brokerUrl ? 'external' : 'aedes', 'full', label, { wecomKey: KEY, brokerUrl });
  } catch (err) {
    await standIn.close();
    throw err;
  }
  const stations = airDevices(s.registry);
  let bg: Promise<PublisherResult[]> | undefined;
  const latencies: number[] = [];
  const ticketLatencies: number[] = [];
  let missed = 0;
  let bgResults: PublisherResult[] = [];
  try {
    if (background > 0) {
      const plans = planPublishers(
        { url: s.gw.mqttUrl, prefix: s.registry.inputs.mqtt.topicPrefix, devices: stations, shape: 'full', durationMs: 10 * 60_000, tsBase: s.tsBase, of: ctx.publishers.size, qos: 1, window: 2000 },
        background,
        `${ctx.runTag}-${label}`,
      );
      bg = ctx.publishers.run(plans);
      await sleep(3000); // background at full rate before the first event
    }
    const client = await connectRaw(s.gw.mqttUrl, `bench-${label}-${ctx.runTag}`);
    const tickets = new Map<number, number>();
    const off = s.gw.onTicket((t) => {
      if (t.rule === 'aq-h2s' && t.value !== undefined) tickets.set(Math.round(t.value * 1e5), t.at);
    });
    let seenRequests = 0;
    for (let i = 0; i < events; i++) {
      const st = stations[i % stations.length]!;
      const value = Math.round((0.07 + i * 1e-4) * 1e5) / 1e5; // unique per event, above the 0.06 limit
      const shown = new RegExp(`(?<![\\d.])${formatValue(value).replace('.', '\\.')}(?!\\d)`);
      const mine = (q: WecomRequest) => q.content !== undefined && shown.test(q.content);
      const sentAt = publishOne(client, topicOf(s.registry.inputs.mqtt.topicPrefix, st), `{"ts":${Date.now()},"values":{"a21028":${value}}}`, 2 * i);
      let request: WecomRequest | undefined;
      const deadline = Date.now() + 5000;
      while (!request && Date.now() < deadline) {
        request = standIn.requests.slice(seenRequests).find(mine);
        if (!request) await sleep(2);
      }
      seenRequests = standIn.requests.length;
      if (request) latencies.push(request.at - sentAt);
      else missed++;
      const ticketAt = tickets.get(Math.round(value * 1e5));
      if (ticketAt !== undefined) ticketLatencies.push(ticketAt - sentAt);
      // back inside the limit: the episode clears, so the next exceedance at this station opens again
      publishOne(client, topicOf(s.registry.inputs.mqtt.topicPrefix, st), `{"ts":${Date.now() + 1},"values":{"a21028":0.01}}`, 2 * i + 1);
      await sleep(25);
    }
    off();
    await client.disconnect();
  } finally {
    if (bg) {
      ctx.publishers.halt();
      bgResults = await bg.catch(() => []);
    }
    await closeSession(ctx, s);
    await standIn.close();
  }
  const readings = bgResults.reduce((a, x) => a + x.readings, 0);
  const span = bgResults.length ? Math.max(...bgResults.map((x) => x.endedAt)) - Math.min(...bgResults.map((x) => x.startedAt)) : 0;
  return {
    endpoint: 'the WeCom robot request at the local stand-in (processor/alerts, de-duplication and pacing off)',
    background,
    backgroundAchieved: span > 0 ? (readings * 1000) / span : 0,
    events,
    latencies,
    ticketLatencies,
    missed,
  };
}
