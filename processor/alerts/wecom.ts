import type { Alert } from './format.js';
import type { WecomMarkdown, WecomMessage, WecomText } from './wecomTypes.js';

/** domain.md §3.1: text content at most 2048 bytes UTF-8 */
export const TEXT_MAX_BYTES = 2048;
/** domain.md §3.1: markdown content at most 4096 bytes */
export const MARKDOWN_MAX_BYTES = 4096;
/** §3.1 reply codes */
export const ERR_RATE_LIMITED = 130101;
export const ERR_INVALID_KEY = 93000;

export type { WecomMarkdown, WecomMessage, WecomText } from './wecomTypes.js';

const encoder = new TextEncoder();
export const utf8Bytes = (s: string): number => encoder.encode(s).length;

/**
 * Cuts `s` to at most `maxBytes` bytes of UTF-8, on a character (code point) boundary, ending with
 * `ellipsis` when something was cut. Never splits a multi-byte character or a surrogate pair.
 */
export function truncateUtf8(s: string, maxBytes: number, ellipsis = '…'): string {
  if (utf8Bytes(s) <= maxBytes) return s;
  const budget = maxBytes - utf8Bytes(ellipsis);
  let used = 0;
  let out = '';
  for (const ch of s) {
    const n = utf8Bytes(ch);
    if (used + n > budget) break;
    used += n;
    out += ch;
  }
  return budget >= 0 ? out + ellipsis : '';
}

export interface Mentions {
  /** WeCom userids (mentioned_list) */
  userIds?: string[];
  /** 11-digit mobiles (mentioned_mobile_list) */
  mobiles?: string[];
}

/** §3.1 text message: {"msgtype":"text","text":{"content", "mentioned_list"?, "mentioned_mobile_list"?}}; content cut to 2048 bytes. */
export function buildText(content: string, mentions: Mentions = {}): WecomText {
  const text: WecomText['text'] = { content: truncateUtf8(content, TEXT_MAX_BYTES) };
  const userIds = [...new Set(mentions.userIds ?? [])];
  const mobiles = [...new Set(mentions.mobiles ?? [])];
  if (userIds.length) text.mentioned_list = userIds;
  if (mobiles.length) text.mentioned_mobile_list = mobiles;
  return { msgtype: 'text', text };
}

/** §3.1 markdown message; content cut to 4096 bytes. mentioned_mobile_list does not apply to markdown: use <@userid> in content. */
export function buildMarkdown(content: string): WecomMarkdown {
  return { msgtype: 'markdown', markdown: { content: truncateUtf8(content, MARKDOWN_MAX_BYTES) } };
}

/** One line of a summary at most this long, so that one odd alert cannot fill a message. */
const LINE_MAX_BYTES = 512;

export interface PackOptions {
  msgtype: 'text' | 'markdown';
  /** whether this alert @-mentions its officer */
  mention: (a: Alert) => boolean;
}

/**
 * One message for the first alerts of `alerts` (in order): a lone alert as its own text, several as a
 * numbered summary with every mention. Packs as many as fit the byte limit; `count` says how many it
 * took, and the rest wait for the next message (nothing is cut away).
 */
export function packAlerts(alerts: readonly Alert[], o: PackOptions): { message: WecomMessage; count: number } {
  if (alerts.length === 0) throw new Error('packAlerts: no alerts');
  const max = o.msgtype === 'text' ? TEXT_MAX_BYTES : MARKDOWN_MAX_BYTES;
  const tag = (a: Alert) =>
    o.msgtype === 'markdown' && o.mention(a) && a.officer ? [a.officer, ...(a.cc ?? [])].map((p) => (p.wecomUserId ? ` <@${p.wecomUserId}>` : '')).join('') : '';
  const header = (n: number) => `【告警汇总】共 ${n} 条`;
  let count = 1;
  let lines = [`1. ${truncateUtf8(alerts[0]!.line + tag(alerts[0]!), LINE_MAX_BYTES)}`];
  for (let i = 1; i < alerts.length; i++) {
    const line = `${i + 1}. ${truncateUtf8(alerts[i]!.line + tag(alerts[i]!), LINE_MAX_BYTES)}`;
    if (utf8Bytes([header(i + 1), ...lines, line].join('\n')) > max) break;
    lines = [...lines, line];
    count = i + 1;
  }
  const taken = alerts.slice(0, count);
  const content = count === 1 ? taken[0]!.text + tag(taken[0]!) : [header(count), ...lines].join('\n');
  if (o.msgtype === 'markdown') return { message: buildMarkdown(content), count };
  // the officer and whoever the alert copies (cc: the section chief of an overdue ticket)
  const mentioned = taken.filter((a) => o.mention(a) && a.officer).flatMap((a) => [a.officer!, ...(a.cc ?? [])]);
  return {
    message: buildText(content, {
      // by userid where the registry knows it, else by mobile (§3.1: the option when userids are unknown)
      userIds: mentioned.flatMap((p) => (p.wecomUserId ? [p.wecomUserId] : [])),
      mobiles: mentioned.flatMap((p) => (p.wecomUserId ? [] : [p.mobile])),
    }),
    count,
  };
}

/** What a robot reply means for the sender. */
export type WecomOutcome =
  | { kind: 'ok' }
  /** 130101: back off, then retry */
  | { kind: 'rate-limited'; errcode: number; errmsg: string }
  /** 93000: bad key; retrying cannot help */
  | { kind: 'invalid-key'; errcode: number; errmsg: string }
  /** any other non-zero errcode: failure, logged with errmsg, not retried */
  | { kind: 'rejected'; errcode: number; errmsg: string }
  /** HTTP or network error, or a reply that is not the documented JSON: retried with backoff */
  | { kind: 'transient'; reason: string; status?: number };

/** §3.1 reply: {"errcode":0,"errmsg":"ok"} on success; 130101 rate limit; 93000 invalid key; others are failures. */
export function classifyReply(status: number, body: string): WecomOutcome {
  if (status < 200 || status >= 300) return { kind: 'transient', reason: `HTTP ${status}`, status };
  let reply: unknown;
  try {
    reply = JSON.parse(body);
  } catch {
    return { kind: 'transient', reason: `reply is not JSON: ${body.slice(0, 100)}`, status };
  }
  const r = reply as { errcode?: unknown; errmsg?: unknown };
  if (typeof r.errcode !== 'number') return { kind: 'transient', reason: `reply without errcode: ${body.slice(0, 100)}`, status };
  const errmsg = typeof r.errmsg === 'string' ? r.errmsg : '';
  if (r.errcode === 0) return { kind: 'ok' };
  if (r.errcode === ERR_RATE_LIMITED) return { kind: 'rate-limited', errcode: r.errcode, errmsg };
  if (r.errcode === ERR_INVALID_KEY) return { kind: 'invalid-key', errcode: r.errcode, errmsg };
  return { kind: 'rejected', errcode: r.errcode, errmsg };
}

export interface WecomRobotOptions {
  baseUrl: string;
  key: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** Posts one message to the robot webhook (§3.1: POST …/send?key=KEY, Content-Type application/json, UTF-8). Never rejects. */
export function wecomRobot(o: WecomRobotOptions): { post(message: WecomMessage, signal?: AbortSignal): Promise<WecomOutcome> } {
  const url = `${o.baseUrl}?key=${encodeURIComponent(o.key)}`;
  return {
    async post(message, signal) {
      const timeout = AbortSignal.timeout(o.timeoutMs);
      try {
        const res = await o.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        return classifyReply(res.status, await res.text());
      } catch (err) {
        return { kind: 'transient', reason: (err as Error).message };
      }
    },
  };
}
