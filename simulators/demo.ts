import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../gateway/log.js';
import { rotatingLog } from '../gateway/logFile.js';
import { filter } from 'rxjs';
import { startGateway, type GatewayStatus } from '../gateway/app.js';
import { brokerAccess, startEmbeddedBroker } from '../gateway/broker/index.js';
import { parseEnv } from '../gateway/env.js';
import { loadSecrets, randomSecret, redactor } from '../gateway/secrets/index.js';
import { alertSecrets } from '../processor/alerts/index.js';
import { ConfigError, loadRegistry } from '../gateway/registry/loader.js';
import { demoMqttLogins, demoWebLogins } from './demoLogins.js';
import { describeChange } from '../processor/tickets/describe.js';
import { startInflux } from '../test/helpers/influx.js';
import { startSimulators } from './index.js';
import { scenarios } from './scenarios/index.js';
import { scaleTime } from './timeScale.js';
import { upstreamLine } from './hj212/upstream.js';
import { describeOnline, onlineByKind } from './onlineByKind.js';

// `npm run demo [-- --scenario <name>] [--speed <x>]`: embedded broker, every simulated monitor,
// gateway and processor writing to InfluxDB, a progress line every few seconds, clean stop on Ctrl-C.
// The demo composes the simulators with the gateway, so it lives here: the gateway never imports the
// simulators. Its private influxd comes from the test helper (built into dist/test/helpers with it).
const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'normal' },
    speed: { type: 'string' },
    'progress-ms': { type: 'string', default: '5000' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`usage: npm run demo -- [--scenario <name>] [--speed <x>]\nscenarios:\n${Object.values(scenarios).map((s) => `  ${s.name.padEnd(22)} ${s.description}`).join('\n')}`);
  process.exit(0);
}

const say = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const c of cleanups.reverse()) await c().catch((err: Error) => console.error(`cleanup failed: ${err.message}`));
  }
  process.exit(code);
}

try {
  const env = parseEnv();
  const scenario = scenarios[args.scenario];
  if (!scenario) throw new ConfigError('--scenario', [{ path: 'scenario', message: `unknown scenario "${args.scenario}"; known: ${Object.keys(scenarios).join(', ')}` }]);
  const speed = args.speed === undefined ? (scenario.speed ?? 1) : Number(args.speed);
  if (!(speed > 0)) throw new ConfigError('--speed', [{ path: 'speed', message: `expected a positive number, got "${args.speed}"` }]);
  const registry = loadRegistry(env.PARK_CONFIG);
  mkdirSync(env.DATA_DIR, { recursive: true });
  const logFile = join(env.DATA_DIR, 'gateway.log');
  // PARK_ADMIN_TOKEN: the environment's, or a fresh one for this run; printed below, never written to the log
  const adminToken = env.PARK_ADMIN_TOKEN ?? randomSecret();
  // one password for the demo's web sign-ins (every officer and a chief), printed below
  const webPassword = randomSecret();
  // the alert channels' secrets like `npm start`: WECOM_KEY and the SMS AccessKey from the environment or PARK_SECRETS_FILE
  const { secrets, warnings } = loadSecrets(env.PARK_SECRETS_FILE, process.env);
  // the gateway's log, redacted of the admin token and those secrets, sampled, in a rotated file (LOG_FILE_MB × LOG_FILES)
  const log = createLogger('park-gateway', process.env.LOG_LEVEL ?? 'info', redactor([adminToken, webPassword, ...secrets.values]), undefined, rotatingLog(logFile, { maxFileBytes: Math.round(env.LOG_FILE_MB * 1024 * 1024), maxFiles: env.LOG_FILES }));
  for (const w of warnings) log.warn({ file: w.path }, w.message);
  const alerts = alertSecrets(env, secrets.file);
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  const influx = await startInflux({ dataDir: env.INFLUX_URL ? undefined : join(env.DATA_DIR, 'influxdb'), database: env.INFLUX_DATABASE });
  cleanups.push(() => influx.close());
  say(`InfluxDB ${influx.url} database ${influx.database}${env.INFLUX_URL ? '' : ` (private influxd, data in ${join(env.DATA_DIR, 'influxdb')})`}`);

  // the embedded broker's logins: a random password per MQTT device, its hash in <DATA_DIR>/demo-secrets.yaml (0600), the plain one for its simulator only
  const logins = env.MQTT_URL ? undefined : demoMqttLogins(registry, env.DATA_DIR);
  const broker = logins ? await startEmbeddedBroker({ port: env.MQTT_PORT, log, topicPrefix: registry.inputs.mqtt.topicPrefix, access: brokerAccess(registry, logins.hashes).access }) : undefined;
  if (broker) cleanups.push(() => broker.close());
  const mqttUrl = env.MQTT_URL ?? broker!.url;
  say(`MQTT ${mqttUrl}${broker ? ` (embedded broker in its own thread; ${Object.keys(logins!.hashes).length} device logins, hashes in ${logins!.file})` : ''}`);

  const sims = await startSimulators(registry, { mqttUrl, mqttCredentials: logins?.plain, speed, scenario: args.scenario, onStep: (s) => say(`scenario ${args.scenario}: ${s}`) });
  cleanups.push(() => sims.close());
  const devices = registry.sites.reduce((n, s) => n + s.devices.length, 0);
  say(`simulators: ${devices} devices at ${registry.sites.length} sites, scenario "${args.scenario}", speed ×${speed}`);
  for (const [id, u] of Object.entries(sims.upstreams)) say(`upstream ${id}: HJ 212 platform stand-in on 127.0.0.1:${u.port}`);
  say(`HJ 212 data loggers: ${sims.hj212.loggers.size}, dialling 127.0.0.1:${sims.registry.inputs.hj212.port}`);
  say(`outlet cameras (可视监控): ${sims.cameras.url('RO-01').replace('RO-01', '<site>')}, a JPEG snapshot attached to each outlet ticket`);

  // rule durations, verification periods and shut-off delays play `speed` times faster, like the simulators
  // the simulated loggers' PWs (hashed) and the upstream stand-ins' PWs, as a secrets file would give them
  const gw = await startGateway({ registry: scaleTime(sims.registry, speed), mqttUrl, mqttFeed: broker?.feed, influx, httpPort: env.HTTP_PORT, dataDir: env.DATA_DIR, log, people: { adminToken, allowedHosts: env.HTTP_ALLOWED_HOSTS, metricsAuth: env.METRICS_AUTH }, hj212Secrets: sims.secrets.hj212, alertSecrets: alerts });
  const ticketLog = gw.tickets.changes$.pipe(filter((c) => c.type !== 'updated')).subscribe((c) => {
    say(describeChange(c));
    // odor tickets: the likely source (异味溯源), from the attribution evidence the ticket was written with
    if (c.ticket.category !== 'odor' || (c.type !== 'opened' && c.type !== 'recurred')) return;
    const a = gw.tickets.get(c.ticket.id)?.evidence.filter((e) => e.kind === 'attribution').at(-1)?.data as { summary?: string } | undefined;
    if (a?.summary) say(`  ${c.ticket.id} 异味溯源: ${a.summary}`);
  });
  cleanups.push(async () => ticketLog.unsubscribe());
  cleanups.push(async () => {
    const s = gw.status();
    say(`stopped: ${s.received} readings received, ${s.pointsWritten} points written, ${s.deadLetters} dead letters`);
  });
  cleanups.push(() => gw.stop());
  say(`alerts: WeCom ${alerts.wecomKey ? `robot ${registry.alerts.wecom.baseUrl}` : 'off (WECOM_KEY not set)'} · SMS ${alerts.aliyun && registry.alerts.sms ? registry.alerts.sms.provider : 'off'}`);
  say(`gateway: http://127.0.0.1:${gw.httpPort}/healthz · logs in ${logFile} · Ctrl-C stops`);
  const webUsers = demoWebLogins(gw.access, registry, webPassword);
  say(`web pages (工单 · 巡查 · 隐患上报 · 站点): http://127.0.0.1:${gw.httpPort}/ · sign in as ${webUsers.join(', ')} with password ${webPassword}`);
  say(`admin token (PARK_ADMIN_TOKEN): ${adminToken} · curl -H 'Authorization: Bearer ${adminToken}' http://127.0.0.1:${gw.httpPort}/api/users`);

  // readings/s over the last ~10 s, so the 5 s poll cycle of the stations does not alias into 0/s, 2x/s
  const history: { at: number; received: number }[] = [{ at: Date.now(), received: 0 }];
  const progressMs = Number(args['progress-ms']) || 5000;
  const timer = setInterval(() => {
    const s: GatewayStatus = gw.status();
    const now = Date.now();
    history.push({ at: now, received: s.received });
    while (history.length > 2 && now - history[1]!.at >= 10_000) history.shift();
    const first = history[0]!;
    const rate = ((s.received - first.received) * 1000) / Math.max(1, now - first.at);
    say(
      `readings ${rate.toFixed(1)}/s · written ${s.pointsWritten} · devices ${s.devices.online} online / ${s.devices.offline} offline · ` +
        `rejected ${s.rejected} · dead letters ${s.deadLetters} · write errors ${s.writeErrors}`,
    );
    for (const [id, u] of Object.entries(sims.upstreams)) say(upstreamLine(id, u, gw.hj212Forward?.forwarder.pending(id) ?? 0));
    say(`devices: ${describeOnline(onlineByKind(sims.registry, gw.health))}`);
  }, progressMs);
  cleanups.push(async () => clearInterval(timer));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    await shutdown(2);
  }
  console.error(err instanceof Error ? err.message : err);
  await shutdown(1);
}
