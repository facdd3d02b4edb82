import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stand-in received, with its arrival time and the answer it gave. */
export interface WecomRequest {
  /** epoch ms when the request arrived */
  at: number;
  key: string;
  /** parsed JSON body (undefined when it was not JSON) */
  body: unknown;
  /** text/markdown content, when there was one */
  content?: string;
  /** UTF-8 bytes of content */
  contentBytes?: number;
  mentionedMobiles: string[];
  mentionedUserIds: string[];
  answer: { errcode: number; errmsg: string } | { http: number };
}

/** Something the request did that the documented API does not allow (domain.md §3.1). */
export interface WecomViolation {
  at: number;
  reason: string;
}

export type ScriptedAnswer = { errcode: number; errmsg?: string } | { http: number };

export interface WecomStandInOptions {
  /** robot keys that exist; any other key gets 93000 */
  keys: string[];
  /** §3.1: 20 messages per minute per robot; requests beyond it get 130101 */
  limit?: { max: number; windowMs: number };
}

export interface WecomStandIn {
  /** webhook base URL, without ?key= (for config.wecom.baseUrl) */
  baseUrl: string;
  /** every request, in arrival order */
  requests: WecomRequest[];
  /** requests answered errcode 0 */
  readonly accepted: WecomRequest[];
  violations: WecomViolation[];
  /** answers for the next valid requests, in order, instead of the normal answer */
  script(...answers: ScriptedAnswer[]): void;
  /** the robot is down for `ms` from now: every request is answered HTTP 503 until then */
  downFor(ms: number): void;
  /** most requests for one key in any window of windowMs (default the limit's window) */
  maxInWindow(key: string, windowMs?: number): number;
  close(): Promise<void>;
}

const PATH = '/cgi-bin/webhook/send';
const TEXT_MAX = 2048; // §3.1
const MARKDOWN_MAX = 4096; // §3.1
const MOBILE = /^1\d{10}$/;
// errcodes for malformed requests are the stand-in's choice: only 0, 93000 and 130101 are documented (§3.1)
const BAD_REQUEST = 40035;

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Checks a parsed body against §3.1; returns the problems (none for a valid message). */
export function checkWecomBody(body: unknown): { problems: string[]; content?: string; mobiles: string[]; userIds: string[] } {
  const problems: string[] = [];
  const b = body as { msgtype?: unknown; text?: Record<string, unknown>; markdown?: Record<string, unknown> };
  if (typeof body !== 'object' || body === null) return { problems: ['body is not a JSON object'], mobiles: [], userIds: [] };
  const extra = Object.keys(body).filter((k) => k !== 'msgtype' && k !== b.msgtype);
  if (extra.length) problems.push(`unexpected keys ${extra.join(',')}`);
  let content: string | undefined;
  let mobiles: string[] = [];
  let userIds: string[] = [];
  if (b.msgtype === 'text') {
    const t = b.text;
    if (typeof t !== 'object' || t === null) return { problems: [...problems, 'text missing'], mobiles, userIds };
    const unknown = Object.keys(t).filter((k) => !['content', 'mentioned_list', 'mentioned_mobile_list'].includes(k));
    if (unknown.length) problems.push(`text has unknown keys ${unknown.join(',')}`);
    if (t.mentioned_mobile_list !== undefined) {
      if (!isStringArray(t.mentioned_mobile_list)) problems.push('mentioned_mobile_list is not an array of strings');
      else {
        mobiles = t.mentioned_mobile_list;
        const bad = mobiles.filter((m) => m !== '@all' && !MOBILE.test(m));
        if (bad.length) problems.push(`mentioned_mobile_list has non-mobile entries ${bad.join(',')}`);
      }
    }
    if (t.mentioned_list !== undefined) {
      if (!isStringArray(t.mentioned_list)) problems.push('mentioned_list is not an array of strings');
      else userIds = t.mentioned_list;
    }
    content = typeof t.content === 'string' ? t.content : undefined;
  } else if (b.msgtype === 'markdown') {
    const m = b.markdown;
    if (typeof m !== 'object' || m === null) return { problems: [...problems, 'markdown missing'], mobiles, userIds };
    const unknown = Object.keys(m).filter((k) => k !== 'content');
    if (unknown.length) problems.push(`markdown has keys other than content: ${unknown.join(',')} (mentions do not apply to markdown)`);
    content = typeof m.content === 'string' ? m.content : undefined;
  } else {
    problems.push(`msgtype ${JSON.stringify(b.msgtype)} is not text or markdown`);
  }
  if (content === undefined) problems.push('content is required and must be a string');
  else if (content.length === 0) problems.push('content is empty');
  else {
    const max = b.msgtype === 'text' ? TEXT_MAX : MARKDOWN_MAX;
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > max) problems.push(`content is ${bytes} bytes, more than ${max}`);
  }
  return { problems, ...(content !== undefined ? { content } : {}), mobiles, userIds };
}

/**
 * Local stand-in for the WeCom group-robot webhook (§3.1) on 127.0.0.1, free port. Checks the exact
 * request: POST to /cgi-bin/webhook/send?key=…, Content-Type application/json, UTF-8 JSON body, msgtype,
 * content ≤ 2048 bytes (text) / 4096 (markdown), mention lists; answers {"errcode":0,"errmsg":"ok"};
 * unknown key → 93000; more than limit.max requests per key in limit.windowMs → 130101.
 */
export async function startWecomStandIn(o: WecomStandInOptions): Promise<WecomStandIn> {
  const limit = o.limit ?? { max: 20, windowMs: 60_000 };
  const requests: WecomRequest[] = [];
  const violations: WecomViolation[] = [];
  const scripted: ScriptedAnswer[] = [];
  const stamps = new Map<string, number[]>();
  let downUntil = 0;

  const send = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const key = url.searchParams.get('key') ?? '';
    const record = (answer: WecomRequest['answer'], body?: unknown, c?: ReturnType<typeof checkWecomBody>) => {
      requests.push({
        at, key, body, answer,
        ...(c?.content !== undefined ? { content: c.content, contentBytes: Buffer.byteLength(c.content, 'utf8') } : {}),
        mentionedMobiles: c?.mobiles ?? [],
        mentionedUserIds: c?.userIds ?? [],
      });
      if ('http' in answer) send(res, answer.http, { error: 'scripted' });
      else send(res, 200, answer);
    };
    const reject = (reason: string, errcode = BAD_REQUEST, body?: unknown) => {
      violations.push({ at, reason });
      record({ errcode, errmsg: `stand-in: ${reason}` }, body);
    };
    if (url.pathname !== PATH) return reject(`path ${url.pathname} is not ${PATH}`);
    if (req.method !== 'POST') return reject(`method ${req.method} is not POST`);
    if (!o.keys.includes(key)) return record({ errcode: 93000, errmsg: 'invalid webhook url, hint: [stand-in]' });
    // §3.1: Content-Type application/json (a charset parameter, if any, must be UTF-8)
    const [type, ...params] = (req.headers['content-type'] ?? '').split(';').map((s) => s.trim().toLowerCase());
    if (type !== 'application/json' || params.some((p) => p !== 'charset=utf-8')) return reject(`content-type ${req.headers['content-type']} is not application/json`);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw); // §3.1: the body must be UTF-8
    } catch {
      return reject('body is not valid UTF-8');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return reject('body is not JSON');
    }
    const c = checkWecomBody(body);
    if (c.problems.length) return reject(c.problems.join('; '), BAD_REQUEST, body);
    // a robot that is down answers nothing else (and counts nothing towards its rate limit)
    if (at < downUntil) return record({ http: 503 }, body, c);
    const mine = (stamps.get(key) ?? []).filter((t) => t > at - limit.windowMs);
    mine.push(at);
    stamps.set(key, mine);
    const next = scripted.shift();
    if (next) return record('http' in next ? next : { errcode: next.errcode, errmsg: next.errmsg ?? `scripted ${next.errcode}` }, body, c);
    // §3.1: 20 messages per minute per robot
    if (mine.length > limit.max) return record({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }, body, c);
    record({ errcode: 0, errmsg: 'ok' }, body, c);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      violations.push({ at: Date.now(), reason: `stand-in error: ${err.message}` });
      if (!res.headersSent) send(res, 500, { error: err.message });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}${PATH}`,
    requests,
    get accepted() {
      return requests.filter((r) => !('http' in r.answer) && r.answer.errcode === 0);
    },
    violations,
    script: (...answers) => void scripted.push(...answers),
    downFor: (ms) => void (downUntil = Date.now() + ms),
    maxInWindow(key, windowMs = limit.windowMs) {
      const ts = requests.filter((r) => r.key === key).map((r) => r.at);
      let most = 0;
      for (let i = 0; i < ts.length; i++) most = Math.max(most, ts.filter((t) => t >= ts[i]! && t < ts[i]! + windowMs).length);
      return most;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
