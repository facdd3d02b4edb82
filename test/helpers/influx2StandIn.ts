import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One line of line protocol, parsed: escapes undone, fields typed, time in epoch ms. */
export interface ParsedLine {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  time: number;
  raw: string;
}

/** An answer to one write request; an object body is sent as JSON, a string as is. `hang` never answers. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  hang?: boolean;
}

const json = (status: number, code: string, message: string, headers: Record<string, string> = {}): Reply => ({ status, headers, body: { code, message } });

/** Answers an InfluxDB 2.x server gives to POST /api/v2/write (error bodies are {"code","message"}). */
export const reply = {
  noContent: (): Reply => ({ status: 204 }),
  tooManyRequests: (retryAfterS: number): Reply => json(429, 'too many requests', 'write limit exceeded', { 'retry-after': String(retryAfterS) }),
  unavailable: (retryAfterS?: number): Reply => json(503, 'unavailable', 'service unavailable', retryAfterS === undefined ? {} : { 'retry-after': String(retryAfterS) }),
  tooLarge: (): Reply => json(413, 'request too large', 'unable to read data: points batch is too large'),
  invalid: (message: string): Reply => json(400, 'invalid', message),
  unauthorized: (): Reply => json(401, 'unauthorized', 'unauthorized access'),
  forbidden: (): Reply => json(403, 'forbidden', 'insufficient permissions for write'),
  bucketNotFound: (bucket: string): Reply => json(404, 'not found', `bucket "${bucket}" not found`),
  unprocessable: (message: string): Reply => json(422, 'unprocessable entity', message),
  hang: (): Reply => ({ status: 0, hang: true }),
};

export interface RecordedRequest {
  /** Date.now() when the request was complete */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  gzip: boolean;
  body: string;
  lines: ParsedLine[];
  /** what was wrong with the request (empty when it passed every check) */
  problems: string[];
  /** the status answered (0: never answered) */
  status: number;
}

export interface Influx2StandInOptions {
  org?: string;
  bucket?: string;
  token?: string;
  /** decoded bodies larger than this are answered 413 */
  maxBodyBytes?: number;
  /** fields every line must carry, with their type (default value: float, flag: string) */
  fieldTypes?: Record<string, 'float' | 'string' | 'boolean'>;
}

export interface Influx2StandIn {
  url: string;
  org: string;
  bucket: string;
  token: string;
  /** every request, in arrival order */
  readonly requests: RecordedRequest[];
  /** lines of the requests answered 2xx, in arrival order */
  readonly accepted: ParsedLine[];
  /** every failed check of every request, as "#<request> <what>" */
  readonly problems: string[];
  /** answer the next requests that pass the checks with these replies, in order (then 204 again) */
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

const FLOAT = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const BOOL = /^(t|T|true|True|TRUE|f|F|false|False|FALSE)$/;

/** Splits on `sep` where it is not backslash-escaped (nor, with `quotes`, inside a double-quoted string field). */
function split(s: string, sep: string, limit = Infinity, quotes = false): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
    } else if (c === '"' && quotes) {
      quoted = !quoted;
      cur += c;
    } else if (c === sep && !quoted && out.length < limit - 1) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const unescape = (s: string, chars: string) => s.replace(/\\(.)/g, (all, c: string) => (chars.includes(c) ? c : all));

/**
 * InfluxDB line protocol (docs "Line protocol" reference): measurement[,tag=v...] field=v[,field=v...] [time].
 * Measurement escapes comma and space; keys and tag values comma, equals and space; string fields are
 * double-quoted with \" and \\; a float is a bare number, `i`/`u` suffixes mark (unsigned) integers.
 */
export function parseLine(raw: string, problems: string[]): ParsedLine | undefined {
  const bad = (why: string) => (problems.push(`unable to parse '${raw}': ${why}`), undefined);
  // quotes mean nothing before the field set: a tag value may contain a lone "
  const [head, rest] = split(raw, ' ', 2);
  const parts = split(rest ?? '', ' ', Infinity, true);
  if (rest === undefined || parts.length > 2) return bad('expected "measurement,tags fields time"');
  const [fieldPart, timePart] = parts as [string, string | undefined];
  const [m, ...tagParts] = split(head ?? '', ',');
  if (!m) return bad('missing measurement');
  const tags: Record<string, string> = {};
  for (const t of tagParts) {
    const [k, v] = split(t, '=', 2);
    if (!k || v === undefined || v === '') return bad(`bad tag "${t}"`);
    tags[unescape(k, ', =')] = unescape(v, ', =');
  }
  const fields: ParsedLine['fields'] = {};
  for (const f of split(fieldPart, ',', Infinity, true)) {
    const [k, v] = split(f, '=', 2);
    if (!k || v === undefined || v === '') return bad(`bad field "${f}"`);
    const key = unescape(k, ', =');
    if (v.startsWith('"')) {
      if (v.length < 2 || !v.endsWith('"')) return bad(`unterminated string field ${key}`);
      fields[key] = v.slice(1, -1).replace(/\\(["\\])/g, '$1');
    } else if (FLOAT.test(v)) fields[key] = Number(v);
    else if (/^[-+]?\d+[iu]$/.test(v)) return bad(`field ${key}=${v} is an integer; the project writes floats only`);
    else if (BOOL.test(v)) fields[key] = /^t/i.test(v);
    else return bad(`bad field value ${key}=${v}`);
  }
  if (timePart === undefined || !/^-?\d+$/.test(timePart)) return bad('missing or non-integer timestamp');
  const time = Number(timePart);
  // precision=ms: 13 digits today; microseconds or nanoseconds would be 16 or 19
  if (Math.abs(time) >= 1e14) return bad(`timestamp ${timePart} is not epoch milliseconds`);
  return { measurement: unescape(m, ', '), tags, fields, time, raw };
}

/** InfluxDB 2.x write API stand-in on 127.0.0.1 (port 0) that checks every request exactly. */
export async function startInflux2StandIn(opts: Influx2StandInOptions = {}): Promise<Influx2StandIn> {
  const org = opts.org ?? 'park-org';
  const bucket = opts.bucket ?? 'park';
  const token = opts.token ?? randomBytes(12).toString('hex');
  const fieldTypes = opts.fieldTypes ?? { value: 'float', flag: 'string' };
  const requests: RecordedRequest[] = [];
  const accepted: ParsedLine[] = [];
  const problems: string[] = [];
  const scripted: Reply[] = [];
  const hanging = new Set<ServerResponse>();

  /** the first failed check decides the answer, as InfluxDB would; every failure is recorded */
  function check(req: IncomingMessage, url: URL, raw: Buffer, rec: RecordedRequest): Reply | undefined {
    const p = rec.problems;
    if (url.pathname !== '/api/v2/write') return p.push(`path ${url.pathname} is not /api/v2/write`), json(404, 'not found', 'path not found');
    if (req.method !== 'POST') return p.push(`method ${req.method} is not POST`), json(405, 'method not allowed', 'method not allowed');
    if (req.headers.authorization !== `Token ${token}`) return p.push(`Authorization "${req.headers.authorization ?? ''}" is not "Token <token>"`), reply.unauthorized();
    if (rec.query.org !== org) return p.push(`org "${rec.query.org ?? ''}" is not "${org}"`), json(404, 'not found', `organization name "${rec.query.org ?? ''}" not found`);
    if (rec.query.bucket !== bucket) return p.push(`bucket "${rec.query.bucket ?? ''}" is not "${bucket}"`), reply.bucketNotFound(rec.query.bucket ?? '');
    const extra = Object.keys(rec.query).filter((k) => !['org', 'bucket', 'precision'].includes(k));
    if (rec.query.precision !== 'ms') p.push(`precision "${rec.query.precision ?? ''}" is not "ms"`);
    if (extra.length) p.push(`unexpected query parameters ${extra.join(', ')}`);
    if (req.headers['content-type'] !== 'text/plain; charset=utf-8') p.push(`Content-Type "${req.headers['content-type'] ?? ''}" is not "text/plain; charset=utf-8"`);
    const enc = req.headers['content-encoding'];
    if (enc !== undefined && enc !== 'gzip') p.push(`Content-Encoding "${enc}" is neither absent nor gzip`);
    try {
      rec.body = (rec.gzip ? gunzipSync(raw) : raw).toString('utf8');
    } catch (err) {
      p.push(`body is not valid gzip: ${(err as Error).message}`);
    }
    for (const line of rec.body.split('\n')) {
      if (line === '') continue;
      const parsed = parseLine(line, p);
      if (!parsed) continue;
      for (const [k, type] of Object.entries(fieldTypes)) {
        const v = parsed.fields[k];
        const actual = typeof v === 'number' ? 'float' : typeof v;
        if (actual !== type) p.push(`line '${line}': field ${k} is ${v === undefined ? 'missing' : actual}, expected ${type}`);
      }
      rec.lines.push(parsed);
    }
    if (p.length > 0) return reply.invalid(p.join('; '));
    if (rec.lines.length === 0) return p.push('no lines in body'), reply.invalid('no data written');
    return undefined;
  }

  function answer(res: ServerResponse, r: Reply): void {
    if (r.hang) {
      hanging.add(res);
      return;
    }
    const isJson = r.body !== undefined && typeof r.body !== 'string';
    const code = isJson && typeof r.body === 'object' && r.body && 'code' in r.body ? String(r.body.code) : undefined;
    res.writeHead(r.status, {
      ...(isJson ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      // InfluxDB 2.x repeats the error code in this header
      ...(code ? { 'x-platform-error-code': code } : {}),
      ...r.headers,
    });
    res.end(isJson ? JSON.stringify(r.body) : (r.body as string | undefined));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rec: RecordedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        gzip: req.headers['content-encoding'] === 'gzip',
        body: '',
        lines: [],
        problems: [],
        status: 0,
      };
      requests.push(rec);
      const raw = Buffer.concat(chunks);
      let r = check(req, url, raw, rec);
      problems.push(...rec.problems.map((p) => `#${requests.length - 1} ${p}`));
      if (!r && opts.maxBodyBytes !== undefined && Buffer.byteLength(rec.body) > opts.maxBodyBytes) r = reply.tooLarge();
      r ??= scripted.shift() ?? reply.noContent();
      rec.status = r.hang ? 0 : r.status;
      if (r.status >= 200 && r.status < 300) accepted.push(...rec.lines);
      answer(res, r);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    org,
    bucket,
    token,
    requests,
    accepted,
    problems,
    script: (...replies) => void scripted.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
