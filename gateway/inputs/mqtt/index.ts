import { map, Observable, type Subscriber } from 'rxjs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Reading, ReadingBatch } from '../../model/reading.js';
import type { BrokerHandoff, InputContext, InputFactory } from '../types.js';
import { buildIndex, decodeMessage, parseTopic, type MqttIndex } from './decode.js';

export interface MqttInputOptions {
  /** appended to registry.inputs.mqtt.clientId (`<clientId>-<suffix>`), so several inputs can share a broker */
  clientIdSuffix?: string;
  /** CleanSession flag; default false: a persistent session, so QoS 1 messages published while offline are delivered on return */
  clean?: boolean;
  /** MQTT keep alive in seconds (default 30) */
  keepaliveSec?: number;
  /** give up a connect attempt after this long (default 10 s) */
  connectTimeoutMs?: number;
  username?: string;
  password?: string;
}

/** Raw payload kept with a dead letter: text when it is valid UTF-8, hex otherwise; at most this many bytes. */
const RAW_BYTES = 4096;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function rawText(payload: Buffer): string {
  const head = payload.subarray(0, RAW_BYTES);
  const suffix = payload.length > RAW_BYTES ? `… (${payload.length} bytes)` : '';
  try {
    return utf8.decode(head) + suffix;
  } catch {
    return 'hex:' + head.toString('hex') + suffix;
  }
}

/** Decode one message; rejects go to the dead-letter store and the log, health follows the device. Returns the good readings. */
export function readMessage(ctx: InputContext, index: MqttIndex, topic: string, payload: Buffer): Reading[] {
  const { readings, rejects, device } = decodeMessage(topic, payload, index, ctx.registry.inputs.mqtt);
  const ids = rejects.length > 0 ? parseTopic(topic, ctx.registry.inputs.mqtt.topicPrefix) : undefined;
  for (const r of rejects) {
    ctx.deadLetters.put({ source: 'mqtt', where: topic, reason: r.reason, detail: r.detail, raw: rawText(payload) });
    ctx.log.warn({ input: 'mqtt', reason: r.reason, topic, site: ids?.site, device: ids?.device, detail: r.detail }, 'mqtt message rejected');
  }
  if (device && readings.length > 0) ctx.health.ok(device);
  else if (device && rejects[0]) ctx.health.fail(device, rejects[0].reason, rejects[0].detail);
  return readings;
}

/**
 * Reconnect with capped exponential backoff. mqtt.js' own reconnectPeriod is a fixed interval, so it is
 * switched off (0) and this schedules client.reconnect() after each close: initial, 2×, 4× … up to max.
 */
function reconnectWithBackoff(client: MqttClient, backoff: { initial: number; max: number }, log: InputContext['log']) {
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  client.on('connect', () => {
    attempt = 0;
  });
  client.on('close', () => {
    if (client.disconnecting || client.disconnected || timer) return;
    const delay = Math.min(backoff.max, backoff.initial * 2 ** Math.min(attempt, 30));
    attempt++;
    log.info({ attempt, delayMs: delay }, 'mqtt input: reconnecting');
    timer = setTimeout(() => {
      timer = undefined;
      if (!client.disconnecting && !client.disconnected) client.reconnect();
    }, delay);
  });
  return () => clearTimeout(timer);
}

function connect(ctx: InputContext, opts: MqttInputOptions): MqttClient {
  const cfg = ctx.registry.inputs.mqtt;
  const clientId = opts.clientIdSuffix ? `${cfg.clientId}-${opts.clientIdSuffix}` : cfg.clientId;
  const options: IClientOptions = {
    clientId,
    protocolVersion: 4, // MQTT 3.1.1
    clean: opts.clean ?? false,
    keepalive: opts.keepaliveSec ?? 30,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 0, // see reconnectWithBackoff
    resubscribe: false, // subscribed explicitly on every CONNACK
    // the external broker's login and TLS (ctx.mqttClient, from MQTT_USERNAME / the secrets file, MQTT_CA_FILE …);
    // the options given to this input win. mqtt.js verifies the broker's certificate against `ca` (rejectUnauthorized).
    ...ctx.mqttClient,
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
  };
  return mqtt.connect(ctx.mqttUrl, options);
}

/**
 * One batch per PUBLISH, whose PUBACK cannot leave the process before the batch's ack.
 *
 * mqtt.js v5 (lib/handlers/publish.js) calls `client.handleMessage(packet, callback)` for a QoS 1 PUBLISH,
 * writes the PUBACK to its socket when `callback()` is called, and handles no further packet of the
 * connection until then. Holding `callback` until the ack would handle one message per event-loop turn;
 * so instead the socket is corked for each message (Node counts corks) and `callback()` is called at
 * once: mqtt.js queues the PUBACK in the corked socket and goes on with the next packet of the same read.
 * The batch's ack uncorks; the PUBACKs of a read leave together (one write(2)) once the last of them is
 * acknowledged, i.e. after the processor's one append for that turn has returned.
 *
 * On ack(err) the socket is destroyed: the PUBACKs still queued in it are discarded, and the broker
 * resends the unacknowledged messages on the next connection of the persistent session (CleanSession 0,
 * MQTT 3.1.1 §4.4, [MQTT-4.4.0-1]). QoS 0 messages take the same path; there is nothing to send.
 */
function emitWithAck(ctx: InputContext, index: MqttIndex, client: MqttClient, subscriber: Subscriber<ReadingBatch>, log: InputContext['log']): void {
  client.handleMessage = (packet, callback) => {
    const readings = readMessage(ctx, index, packet.topic, packet.payload as Buffer);
    const stream = client.stream;
    stream.cork();
    let settled = false;
    subscriber.next({
      readings,
      ack: (err) => {
        if (settled) return;
        settled = true;
        if (!err) return stream.uncork();
        log.warn({ err: err.message, topic: packet.topic }, 'mqtt input: message not made durable; its PUBACK is discarded and the connection dropped so the broker sends it again');
        stream.destroy();
      },
    });
    callback();
  };
}

function wire(ctx: InputContext, client: MqttClient, subscriber: Subscriber<ReadingBatch>): () => void {
  const cfg = ctx.registry.inputs.mqtt;
  const index = buildIndex(ctx.registry);
  // `<prefix>/#` rather than `<prefix>/+/+/data`: topics under the prefix that break the scheme are seen and dead-lettered
  const filter = `${cfg.topicPrefix.replace(/\/+$/, '')}/#`;
  const clientId = client.options.clientId ?? '';
  const log = ctx.log.child({ input: 'mqtt', clientId });
  let connects = 0;
  client.on('connect', (connack) => {
    const reconnect = connects++ > 0;
    log.info({ url: ctx.mqttUrl, sessionPresent: connack.sessionPresent, connects }, reconnect ? 'mqtt input: reconnected' : 'mqtt input: connected');
    ctx.connections?.connected({ input: 'mqtt', clientId, url: ctx.mqttUrl, reconnect, sessionPresent: connack.sessionPresent });
    // Subscribing again on every connection is harmless: a SUBSCRIBE for an existing filter replaces it [MQTT-3.8.4-3].
    client.subscribe(filter, { qos: cfg.qos }, (err, granted) => {
      if (err) return log.error({ err: err.message, filter }, 'mqtt input: subscribe failed');
      // [MQTT-3.9.3-2]: 0x80 in SUBACK means the broker refused the subscription
      const refused = granted?.some((g) => g.qos === 128);
      if (refused) log.error({ filter }, 'mqtt input: subscription refused by broker');
      else {
        log.info({ filter, qos: granted?.[0]?.qos }, 'mqtt input: subscribed');
        ctx.connections?.subscribed?.({ input: 'mqtt', clientId });
      }
    });
  });
  client.on('message', (_topic, _payload, packet) => {
    if (packet.dup) ctx.connections?.redelivered?.({ input: 'mqtt', clientId });
  });
  emitWithAck(ctx, index, client, subscriber, log);
  let online = false;
  client.on('connect', () => (online = true));
  client.on('close', () => {
    log.info('mqtt input: connection closed');
    ctx.connections?.disconnected({ input: 'mqtt', clientId, url: ctx.mqttUrl });
    if (online && !client.disconnecting) log.warn({ url: ctx.mqttUrl }, 'mqtt input: offline');
    online = false;
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'mqtt input: client error'));
  return reconnectWithBackoff(client, cfg.backoffMs, log);
}

/**
 * The embedded broker's hand-off: one batch per broker turn (all messages received in it), acknowledged
 * as a whole; the broker sends their PUBACKs after `settle()`. No MQTT client, no second encode/decode.
 */
function fromFeed(ctx: InputContext, feed: Observable<BrokerHandoff>): Observable<ReadingBatch> {
  const index = buildIndex(ctx.registry);
  const where = { input: 'mqtt', clientId: 'embedded', url: 'embedded broker' };
  return new Observable<BrokerHandoff>((subscriber) => {
    ctx.connections?.connected({ ...where, reconnect: false, sessionPresent: false });
    ctx.connections?.subscribed?.(where); // the embedded broker hands every message over: nothing to subscribe
    const sub = feed.subscribe(subscriber);
    return () => {
      sub.unsubscribe();
      ctx.connections?.disconnected(where);
    };
  }).pipe(
    map((h): ReadingBatch => {
      const readings: Reading[] = [];
      for (const m of h.messages) {
        if (m.dup) ctx.connections?.redelivered?.({ input: 'mqtt', clientId: 'embedded' });
        for (const r of readMessage(ctx, index, m.topic, m.payload)) readings.push(r);
      }
      return { readings, ack: (err) => h.settle(err) };
    }),
  );
}

/**
 * MQTT input. With `ctx.mqttFeed` (the embedded broker) it reads the broker's hand-off. Otherwise on
 * subscribe it connects to ctx.mqttUrl (MQTT 3.1.1), subscribes to `<topicPrefix>/#` with the configured
 * QoS and emits one batch per message (one Reading per configured channel value), whose PUBACK waits
 * for the batch's ack. Bad messages are dead-lettered (their batch is empty and still acknowledged) and
 * never end the stream; connection loss is retried with backoff. Unsubscribing ends the client
 * (DISCONNECT; a persistent session stays on the broker).
 */
export function createMqttInput(opts: MqttInputOptions = {}): InputFactory {
  return (ctx) =>
    ctx.mqttFeed ? fromFeed(ctx, ctx.mqttFeed) : new Observable<ReadingBatch>((subscriber) => {
      const client = connect(ctx, opts);
      const stopReconnect = wire(ctx, client, subscriber);
      return () => {
        stopReconnect();
        client.end(false);
      };
    });
}

/** The gateway's MQTT input with default options. */
export const mqttInput: InputFactory = createMqttInput();
