/**
 * Personal data in what the API returns (issue 11: "officers' mobiles and other personal data are
 * returned only to roles that need them"): officers' mobile numbers, and the recipients (`to`) of
 * alert deliveries recorded as ticket evidence. For roles that do not need them they are masked
 * (138****1102), wherever they appear in the payload.
 */

/** an 11-digit mainland mobile (the registry's OfficerSchema) */
const MOBILE = /^1\d{10}$/;
/** one inside a text (an @-mention in a WeCom message), not part of a longer number (epoch ms) */
const MOBILE_IN_TEXT = /(?<!\d)1\d{10}(?!\d)/g;
/**
 * keys whose string values are personal whatever they look like: an officer's `mobile`, and the `to`
 * list of an alert delivery (SMS numbers, WeCom mentioned mobiles or user ids); a ticket history's
 * `to` is a status, a string, and stays
 */
const isPersonal = (key: string, v: unknown) => key === 'mobile' || key === 'phone' || (key === 'to' && Array.isArray(v));

export const maskMobile = (s: string): string => (MOBILE.test(s) ? `${s.slice(0, 3)}****${s.slice(7)}` : '***');

function maskValue(v: unknown, personal: boolean, depth: number): unknown {
  if (depth > 32) return v;
  if (typeof v === 'string') return personal ? maskMobile(v) : v.replace(MOBILE_IN_TEXT, maskMobile);
  if (Array.isArray(v)) return v.map((x) => maskValue(x, personal, depth + 1));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = maskValue(x, personal || isPersonal(k, x), depth + 1);
    return out;
  }
  return v;
}

/** a copy of `payload` with mobiles and recipients masked */
export function maskPersonalData<T>(payload: T): T {
  return maskValue(payload, false, 0) as T;
}
