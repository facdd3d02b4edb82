import { createHmac, randomUUID } from 'node:crypto';

/** What a provider says about one send. */
export interface SmsSendResult {
  /** sent; capped: a flow-control limit, not retried today; retry: transient; failed: not retried */
  status: 'sent' | 'capped' | 'retry' | 'failed';
  /** provider code ('OK', 'isv.BUSINESS_LIMIT_CONTROL'), or HTTP_<status> / NETWORK */
  code: string;
  message: string;
  /** provider message id (Aliyun BizId) */
  messageId?: string;
  requestId?: string;
}

/** An SMS provider. Implementations sign their own requests and never reject. */
export interface SmsProvider {
  readonly name: string;
  /**
   * Sends the approved template `templateId` with `params` to the numbers `to`. `dedupKey` identifies
   * the alert batch: a batch already sent is not sent again (the earlier result is returned).
   */
  send(to: string[], templateId: string, params: Record<string, string>, dedupKey: string, signal?: AbortSignal): Promise<SmsSendResult>;
}

/**
 * §3.2 step 2: RFC 3986 percent-encoding; every byte except A-Z a-z 0-9 - _ . ~ is encoded
 * (so space → %20 not +, * → %2A, ~ stays ~). encodeURIComponent leaves ! ' ( ) * alone: encode them too.
 */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** §3.2 steps 1–3: parameters sorted by key (Signature excluded), keys and values encoded, joined k=v&… */
export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort() // byte order of the (ASCII) keys
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join('&');
}

/** §3.2 step 4: StringToSign = METHOD & pe("/") & pe(sortedQuery) */
export function stringToSign(method: 'GET' | 'POST', params: Record<string, string>): string {
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
}

/** §3.2 step 5: Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)) */
export function signature(accessKeySecret: string, toSign: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(toSign, 'utf8').digest('base64');
}

/** Aliyun's timestamp: UTC yyyy-MM-dd'T'HH:mm:ss'Z' (§3.2), no milliseconds. */
export const aliyunTimestamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface SendSmsRequest {
  accessKeyId: string;
  regionId: string;
  phoneNumbers: string[];
  signName: string;
  templateCode: string;
  templateParam: Record<string, string>;
  outId?: string;
  /** epoch ms */
  now: number;
  nonce: string;
}

/** §3.2 common + business parameters of SendSms, unsigned. */
export function sendSmsParams(r: SendSmsRequest): Record<string, string> {
  return {
    AccessKeyId: r.accessKeyId,
    Action: 'SendSms',
    Version: '2017-05-25',
    RegionId: r.regionId,
    Format: 'JSON',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: r.nonce,
    Timestamp: aliyunTimestamp(r.now),
    PhoneNumbers: r.phoneNumbers.join(','),
    SignName: r.signName,
    TemplateCode: r.templateCode,
    TemplateParam: JSON.stringify(r.templateParam),
    ...(r.outId ? { OutId: r.outId } : {}),
  };
}

/** The signed request body (form-encoded): §3.2 step 6 appends the percent-encoded Signature. */
export function signedBody(method: 'GET' | 'POST', params: Record<string, string>, accessKeySecret: string): string {
  const sig = signature(accessKeySecret, stringToSign(method, params));
  return `Signature=${percentEncode(sig)}&${canonicalQuery(params)}`;
}

/** Flow control (§3.2): no more today for this number. MONTH_LIMIT_CONTROL: none this month either. */
const CAPPED = new Set(['isv.BUSINESS_LIMIT_CONTROL', 'isv.DAY_LIMIT_CONTROL', 'isv.MONTH_LIMIT_CONTROL']);
/** Transient service-side conditions worth a retry with a new nonce and timestamp. Codes beyond §3.2's list: [UNVERIFIED] names. */
const TRANSIENT = new Set(['isp.SYSTEM_ERROR', 'isp.GATEWAY_ERROR', 'ServiceUnavailable', 'InternalError', 'Throttling', 'Throttling.User', 'Throttling.Api', 'SignatureNonceUsed']);

/** Meaning of a SendSms reply. Any Code other than OK is an error (§3.2); configuration errors are not retried. */
export function classifyAliyun(status: number, body: string): SmsSendResult {
  let r: { Code?: unknown; Message?: unknown; BizId?: unknown; RequestId?: unknown } | undefined;
  try {
    r = JSON.parse(body) as typeof r;
  } catch {
    r = undefined;
  }
  const code = typeof r?.Code === 'string' ? r.Code : undefined;
  const message = typeof r?.Message === 'string' ? r.Message : body.slice(0, 200);
  const requestId = typeof r?.RequestId === 'string' ? r.RequestId : undefined;
  const ids = requestId ? { requestId } : {};
  if (code === undefined) {
    const retry = status >= 500 || status === 429;
    return { status: retry ? 'retry' : 'failed', code: `HTTP_${status}`, message, ...ids };
  }
  if (code === 'OK') return { status: 'sent', code, message, ...ids, ...(typeof r?.BizId === 'string' ? { messageId: r.BizId } : {}) };
  if (CAPPED.has(code)) return { status: 'capped', code, message, ...ids };
  if (TRANSIENT.has(code) || code.startsWith('Throttling') || status >= 500) return { status: 'retry', code, message, ...ids };
  return { status: 'failed', code, message, ...ids };
}

export interface AliyunSmsOptions {
  endpoint: string;
  regionId: string;
  signName: string;
  accessKeyId: string;
  accessKeySecret: string;
  fetch: typeof fetch;
  now: () => number;
  timeoutMs: number;
  /** SignatureNonce source (default random UUID); unique per request */
  nonce?: () => string;
  /** dedup keys remembered (default 1000) */
  remember?: number;
}

/** Aliyun dysmsapi SendSms over HTTP POST, signed per §3.2 (signature v1, HMAC-SHA1). */
export function createAliyunSms(o: AliyunSmsOptions): SmsProvider {
  const nonce = o.nonce ?? randomUUID;
  const done = new Map<string, SmsSendResult>();
  const remember = o.remember ?? 1000;
  return {
    name: 'aliyun',
    async send(to, templateId, params, dedupKey, signal) {
      const earlier = done.get(dedupKey);
      if (earlier) return earlier;
      const p = sendSmsParams({
        accessKeyId: o.accessKeyId,
        regionId: o.regionId,
        phoneNumbers: to,
        signName: o.signName,
        templateCode: templateId,
        templateParam: params,
        outId: dedupKey,
        now: o.now(),
        nonce: nonce(),
      });
      const timeout = AbortSignal.timeout(o.timeoutMs);
      let result: SmsSendResult;
      try {
        const res = await o.fetch(o.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: signedBody('POST', p, o.accessKeySecret),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        result = classifyAliyun(res.status, await res.text());
      } catch (err) {
        result = { status: 'retry', code: 'NETWORK', message: (err as Error).message };
      }
      if (result.status === 'sent') {
        done.set(dedupKey, result);
        if (done.size > remember) done.delete(done.keys().next().value!);
      }
      return result;
    },
  };
}
