import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePacket } from '../../gateway/protocols/hj212/index.js';
import { hj212Time } from '../../gateway/protocols/hj212/time.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.js';
import { freePort } from '../helpers/influxd.js';
import { CHEAP, tryConnect } from '../helpers/mqttAuth.js';
import { waitFor } from '../helpers/wait.js';
import { hashSecret } from '../../gateway/secrets/index.js';

const S = 1000;
const root = new URL('../..', import.meta.url).pathname;

/** Every kind of secret the gateway holds or is sent, each a value that cannot occur by chance. */
const PLANTED = {
  wecomKey: 'PLANTEDwecomKey7f3a9',
  smsId: 'PLANTEDsmsId91x',
  smsSecret: 'PLANTEDsmsSecret44q',
  adminToken: 'PLANTED-admin-token-5b2c9e1',
  mqttGood: 'PLANTED-mqtt-AQ01-pw',
  mqttWrong: 'PLANTED-mqtt-wrong-pw',
  loggerGood: 'PLNTlogger1',
  loggerWrong: 'PLNTwrong22',
  upstream: 'PLNTupstream7',
  camera: 'PLANTEDcamPw3',
  influx: 'PLANTEDinfluxPw8',
  userPassword: 'PLANTED-user-pass-1',
  loginWrong: 'PLANTED-login-wrong-2',
} as const;

interface Recorded {
  url: string;
  body: string;
}

/** WeCom and SMS stand-in on loopback: records each request and answers 500, so the gateway's retry and error paths log too. */
async function standIn(): Promise<{ url: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', body });
      res.writeHead(500, { 'content-type': 'text/plain' }).end('stand-in: failing on purpose');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}`, requests, server };
}

/** One HJ 212 frame; `badCrc` spoils its CRC so the gateway keeps it as a dead letter. */
function frame(pw: string, mn: string, cod: number, badCrc = false): Buffer {
  const b = encodePacket({ qn: '20261128120000001', st: '32', cn: '2011', pw, mn, flag: 5, cp: { dataTime: hj212Time(Date.now()), fields: {}, factors: { w01018: { Rtd: String(cod), Flag: 'N' } } } });
  if (!badCrc) return b;
  const s = b.toString('latin1');
  return Buffer.from(s.slice(0, -6) + (s.slice(-6, -2) === '0000' ? '1111' : '0000') + '\r\n', 'latin1');
}

describe('secrets planted in the configuration appear nowhere in what the gateway logs, keeps or answers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'park-planted-'));
  let gw: GatewayProcess | undefined;
  let alerts: Awaited<ReturnType<typeof standIn>> | undefined;
  afterAll(async () => {
    await gw?.stop();
    await new Promise((r) => alerts?.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run with refused logins, failing alert channels, an unreachable InfluxDB and upstream, API calls and dead letters', async () => {
    alerts = await standIn();
    // the shipped park, its alert channels and upstream pointed at loopback (nothing leaves the machine)
    const park = parse(readFileSync(join(root, 'gateway/registry/park.yaml'), 'utf8')) as Record<string, unknown> & { upstreams: { port: number }[]; sites: { id: string; camera?: unknown; devices: { kind: string; id: string; mn?: string }[] }[] };
    park.alerts = {
      wecom: { baseUrl: `${alerts.url}/cgi-bin/webhook/send` },
      sms: { provider: 'aliyun', endpoint: `${alerts.url}/sms/`, signName: '开发区环保', templateCode: 'SMS_000001' },
    };
    park.upstreams[0]!.port = await freePort();
    const logger = park.sites.flatMap((s) => s.devices).find((d) => d.kind === 'hj212')!;
    const camSite = park.sites.find((s) => s.camera)!;
    writeFileSync(join(dir, 'park.yaml'), stringify(park));
    writeFileSync(
      join(dir, 'secrets.yaml'),
      stringify({
        mqtt: { users: { 'AQ-01-V': hashSecret(PLANTED.mqttGood, CHEAP) } },
        hj212: { loggers: { [logger.mn!]: hashSecret(PLANTED.loggerGood, CHEAP) }, upstreams: { city: { '88888880000001': PLANTED.upstream, '88888880000002': PLANTED.upstream, '88888880000101': PLANTED.upstream } } },
        wecom: { key: PLANTED.wecomKey },
        sms: { accessKeyId: PLANTED.smsId, accessKeySecret: PLANTED.smsSecret },
        http: { adminToken: PLANTED.adminToken },
        cameras: { [camSite.id]: { username: 'cam', password: PLANTED.camera } },
      }),
      { mode: 0o600 },
    );
    const ports = { http: await freePort(), mqtt: await freePort(), hj212: await freePort() };
    gw = await startGatewayProcess(
      {
        HTTP_PORT: String(ports.http),
        MQTT_PORT: String(ports.mqtt),
        HJ212_PORT: String(ports.hj212),
        INFLUX_URL: `http://park:${PLANTED.influx}@127.0.0.1:${await freePort()}`,
        DATA_DIR: join(dir, 'data'),
        PARK_CONFIG: join(dir, 'park.yaml'),
        PARK_SECRETS_FILE: join(dir, 'secrets.yaml'),
        LOG_LEVEL: 'debug',
      },
      60 * S,
      { capture: true },
    );
    const mqttUrl = `mqtt://127.0.0.1:${ports.mqtt}`;

    // MQTT: a wrong password is refused; the right one publishes an H2S value over the fence-line value (an alert)
    const wrong = await tryConnect(mqttUrl, { clientId: 'aq01-wrong', username: 'AQ-01-V', password: PLANTED.mqttWrong });
    expect(wrong.ok).toBe(false);
    await wrong.client.endAsync(true);
    const good = await tryConnect(mqttUrl, { clientId: 'aq01', username: 'AQ-01-V', password: PLANTED.mqttGood });
    expect(good.ok).toBe(true);
    await good.client.publishAsync('park/v1/AQ-01/AQ-01-V/data', JSON.stringify({ ts: Date.now(), values: { a21028: 0.5 } }), { qos: 1 });
    await good.client.endAsync();

    // HJ 212: a wrong PW, then the right PW in a frame with a spoilt CRC (a dead letter holding the PW), then a good frame
    const sock = connect(ports.hj212, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(frame(PLANTED.loggerWrong, logger.mn!, 80));
    sock.write(frame(PLANTED.loggerGood, logger.mn!, 80, true));
    sock.write(frame(PLANTED.loggerGood, logger.mn!, 900));
    const http = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${ports.http}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) } });
    const admin = { authorization: `Bearer ${PLANTED.adminToken}` };

    // people: a refused login, a user created with a password who then logs in, the admin reading users and the audit
    expect((await http('/api/login', { method: 'POST', body: JSON.stringify({ username: 'OF-01', password: PLANTED.loginWrong }) })).status).toBe(401);
    expect((await http('/api/users', { method: 'POST', headers: admin, body: JSON.stringify({ username: 'chen.kz', role: 'chief', password: PLANTED.userPassword }) })).status).toBeLessThan(300);
    expect((await http('/api/login', { method: 'POST', body: JSON.stringify({ username: 'chen.kz', password: PLANTED.userPassword }) })).status).toBe(200);
    const answers: string[] = [];
    for (const path of ['/api/users', '/api/me', '/api/audit?limit=500', '/api/audit/export?format=jsonl', '/api/audit/export?format=csv', '/api/tickets', '/api/valves', '/healthz', '/readyz', '/metrics'])
      answers.push(await (await http(path, { headers: admin })).text());

    // the alert went out with the planted key (so it was in use during the run) and failed at the stand-in
    await waitFor(() => alerts!.requests.some((r) => r.url.includes(PLANTED.wecomKey)), 'a WeCom request carrying the planted key', 90 * S, 200);
    // the logger's frames were judged: the refused PW and the spoilt CRC are dead letters
    await waitFor(() => deadLetters(join(dir, 'data')).includes('crc'), 'the spoilt frame kept as a dead letter', 30 * S, 200);
    sock.destroy();
    await gw.stop();

    const everything = [gw.output.join(''), deadLetters(join(dir, 'data')), ...answers].join('\n');
    // the run did log what happened (so an empty log cannot pass): refusals, the failing channel, the dead InfluxDB
    const logged = gw.output.join('');
    expect(logged).toMatch(/"reason":"bad-password","clientId":"aq01-wrong"/);
    expect(logged).toMatch(/WeCom request failed; retrying/);
    expect(logged).toMatch(/InfluxDB write failed; retrying/);
    // the refused login and the user created with a password are in the audit answers, without the passwords
    expect(answers.join('\n')).toMatch(/"action":"login"[^\n]*"outcome":"denied"/);
    expect(answers.join('\n')).toMatch(/"action":"user\.create"/);
    expect(gw.output.join('').length).toBeGreaterThan(10_000);
    const found = Object.entries(PLANTED).filter(([, v]) => everything.includes(v) || everything.includes(encodeURIComponent(v)));
    expect(found).toEqual([]);
  }, 240 * S);
});

/** every dead-letter file of the data directory, concatenated */
function deadLetters(dataDir: string): string {
  try {
    return readdirSync(dataDir)
      .filter((f) => f.startsWith('dead-letters'))
      .map((f) => readFileSync(join(dataDir, f), 'utf8'))
      .join('\n');
  } catch {
    return '';
  }
}
