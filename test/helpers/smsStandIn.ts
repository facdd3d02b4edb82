import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A SendSms request the stand-in received, with its arrival time and the Code it answered. */
export interface SmsRequest {
  /** epoch ms when the request arrived */
  at: number;
  method: string;
  params: Record<string, string>;
  code: string;
  status: number;
  /** set for Code OK */
  bizId?: string;
  phoneNumbers: string[];
  /** parsed TemplateParam (when it was valid JSON) */
  templateParam?: Record<string, string>;
}

export interface SmsViolation {
  at: number;
  code: string;
  reason: string;
}

export type ScriptedSmsAnswer = string | { http: number };

export interface SmsStandInOptions {
  /** AccessKeyId → AccessKeySecret */
  accessKeys: Record<string, string>;
  /** approved signatures (SignName) */
  signNames: string[];
  /** approved templates: TemplateCode → its variable names */
  templates: Record<string, string[]>;
  /** §3.2 default flow control: notification SMS per day per number, template and signature (default 50) */
  dailyCap?: number;
  /** timestamps further than this from the stand-in's clock are refused (default 15 min) */
  maxClockSkewMs?: number;
}

export interface SmsStandIn {
  /** endpoint URL (for config.sms.endpoint) */
  url: string;
  requests: SmsRequest[];
  /** requests answered Code OK */
  readonly sent: SmsRequest[];
  /** requests the documented API refuses (bad signature, missing parameters, …); scripted answers are not violations */
  violations: SmsViolation[];
  /** provider Codes (or HTTP statuses) for the next valid requests, in order */
  script(...answers: ScriptedSmsAnswer[]): void;
  close(): Promise<void>;
}

const COMMON = ['AccessKeyId', 'Action', 'Version', 'Format', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Signature'];
const BUSINESS = ['PhoneNumbers', 'SignName', 'TemplateCode', 'TemplateParam'];

/** RFC 3986 percent-encoding byte by byte (unreserved: A-Z a-z 0-9 - _ . ~), written apart from the client's. */
function rfc3986(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The signature the request should carry (§3.2), from what was received. */
function expectedSignature(method: string, params: Record<string, string>, secret: string): string {
  const query = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(params[k]!)}`)
    .join('&');
  const toSign = `${method}&${rfc3986('/')}&${rfc3986(query)}`;
  return createHmac('sha1', secret + '&').update(toSign).digest('base64');
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Park-local day (Asia/Shanghai) of an instant: the daily cap resets at local midnight. */
const dayOf = (ts: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ts);

/**
 * Local stand-in for Aliyun dysmsapi SendSms (§3.2) on 127.0.0.1, free port. Recomputes the signature
 * from the received parameters with the shared secret (SignatureDoesNotMatch otherwise), checks the
 * common and business parameters, a unique SignatureNonce and the Timestamp format, and enforces the
 * daily cap per number + template + signature (isv.BUSINESS_LIMIT_CONTROL beyond it).
 */
export async function startSmsStandIn(o: SmsStandInOptions): Promise<SmsStandIn> {
  const cap = o.dailyCap ?? 50;
  const skew = o.maxClockSkewMs ?? 15 * 60_000;
  const requests: SmsRequest[] = [];
  const violations: SmsViolation[] = [];
  const scripted: ScriptedSmsAnswer[] = [];
  const nonces = new Set<string>();
  const perDay = new Map<string, number>();

  function answer(res: ServerResponse, r: SmsRequest, message: string, violation: boolean): void {
    requests.push(r);
    if (violation) violations.push({ at: r.at, code: r.code, reason: message });
    const requestId = randomUUID().toUpperCase();
    const body = r.code === 'OK' ? { Code: 'OK', Message: 'OK', BizId: r.bizId, RequestId: requestId } : { Code: r.code, Message: message, RequestId: requestId };
    res.writeHead(r.status, { 'content-type': 'application/json;charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? '';
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    if (method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const body = await readBody(req);
      if (type === 'application/x-www-form-urlencoded') Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    }
    const phoneNumbers = (params.PhoneNumbers ?? '').split(',').filter(Boolean);
    const base = { at, method, params, phoneNumbers };
    const refuse = (code: string, status: number, reason: string) => answer(res, { ...base, code, status }, reason, true);

    if (url.pathname !== '/') return refuse('InvalidAction.NotFound', 404, `path ${url.pathname}`);
    if (method !== 'GET' && method !== 'POST') return refuse('UnsupportedHTTPMethod', 400, `method ${method}`);
    for (const k of [...COMMON, ...BUSINESS]) if (!params[k]) return refuse(`Missing${k}`, 400, `${k} is mandatory for this action`);
    const fixed: Record<string, string> = { Action: 'SendSms', Version: '2017-05-25', Format: 'JSON', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0' };
    for (const [k, v] of Object.entries(fixed)) if (params[k] !== v) return refuse(`InvalidParameter.${k}`, 400, `${k} must be ${v}, got ${params[k]}`);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(params.Timestamp!)) return refuse('InvalidTimeStamp.Format', 400, `Timestamp ${params.Timestamp} is not yyyy-MM-ddTHH:mm:ssZ (UTC)`);
    if (Math.abs(Date.parse(params.Timestamp!) - at) > skew) return refuse('InvalidTimeStamp.Expired', 400, `Timestamp ${params.Timestamp} too far from now`);
    const secret = o.accessKeys[params.AccessKeyId!];
    if (secret === undefined) return refuse('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.');
    const expected = expectedSignature(method, params, secret);
    if (params.Signature !== expected) return refuse('SignatureDoesNotMatch', 400, `Specified signature is not matched with our calculation (got ${params.Signature}, expected ${expected})`);
    if (nonces.has(params.SignatureNonce!)) return refuse('SignatureNonceUsed', 400, `SignatureNonce ${params.SignatureNonce} was used before`);
    nonces.add(params.SignatureNonce!);
    const bad = phoneNumbers.filter((p) => !/^1\d{10}$/.test(p));
    if (bad.length || phoneNumbers.length === 0) return refuse('isv.MOBILE_NUMBER_ILLEGAL', 200, `illegal numbers ${bad.join(',')}`);
    if (!o.signNames.includes(params.SignName!)) return refuse('isv.SMS_SIGNATURE_ILLEGAL', 200, `SignName ${params.SignName} not approved`);
    const vars = o.templates[params.TemplateCode!];
    if (!vars) return refuse('isv.SMS_TEMPLATE_ILLEGAL', 200, `TemplateCode ${params.TemplateCode} not approved`);
    let tp: Record<string, string>;
    try {
      tp = JSON.parse(params.TemplateParam!) as Record<string, string>;
      if (typeof tp !== 'object' || tp === null || Array.isArray(tp) || !Object.values(tp).every((v) => typeof v === 'string')) throw new Error('not an object of strings');
    } catch (err) {
      return refuse('isv.INVALID_JSON_PARAM', 200, `TemplateParam is not a JSON object of strings: ${(err as Error).message}`);
    }
    const withTp = { ...base, templateParam: tp };
    const missing = vars.filter((v) => !tp[v]);
    if (missing.length) return answer(res, { ...withTp, code: 'isv.TEMPLATE_MISSING_PARAMETERS', status: 200 }, `missing ${missing.join(',')}`, true);

    const next = scripted.shift();
    if (next !== undefined) {
      const status = typeof next === 'string' ? 200 : next.http;
      return answer(res, { ...withTp, code: typeof next === 'string' ? next : `HTTP_${next.http}`, status }, 'scripted', false);
    }
    // §3.2 flow control: 50 notification SMS per day for one number with one signature and template
    const keys = phoneNumbers.map((p) => `${dayOf(at)}|${p}|${params.SignName}|${params.TemplateCode}`);
    if (keys.some((k) => (perDay.get(k) ?? 0) >= cap)) return answer(res, { ...withTp, code: 'isv.BUSINESS_LIMIT_CONTROL', status: 200 }, `触发天级流控Permits:${cap}`, false);
    for (const k of keys) perDay.set(k, (perDay.get(k) ?? 0) + 1);
    const bizId = `${String(at).slice(-9)}${Math.floor(Math.random() * 1e9)}^0`;
    answer(res, { ...withTp, code: 'OK', status: 200, bizId }, 'OK', false);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      violations.push({ at: Date.now(), code: 'StandInError', reason: err.message });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    get sent() {
      return requests.filter((r) => r.code === 'OK');
    },
    violations,
    script: (...answers) => void scripted.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
