import type { Camera } from '../../gateway/registry/camera.js';
import { jpegProblem } from './jpeg.js';

/** The fetch the snapshots use (injected; globalThis.fetch by default). */
export type Fetcher = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<Response>;

export type SnapshotFailure = 'timeout' | 'http-status' | 'not-jpeg' | 'network' | 'too-large' | 'busy';

export type FetchOutcome =
  | { ok: true; bytes: Buffer; contentType: string; takenAt: number }
  /** askedAt: when the request went out; at: when it failed */
  | { ok: false; reason: SnapshotFailure; detail: string; status?: number; askedAt: number; at: number };

/** The camera's URL as shown on a ticket: no credentials, no query string (it may carry a token). */
export function cameraLabel(camera: Camera): string {
  const u = new URL(camera.snapshotUrl);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString();
}

/**
 * One GET of the camera's snapshot URL, the whole exchange bounded by the camera's timeoutMs. No retry:
 * a camera that does not answer is recorded as such (a retry storm would not help the ticket, which
 * opens without it). The body is read up to `maxBytes`.
 */
export async function fetchSnapshot(camera: Camera, deps: { fetcher: Fetcher; now: () => number; maxBytes: number }): Promise<FetchOutcome> {
  const askedAt = deps.now();
  const fail = (reason: SnapshotFailure, detail: string, status?: number): FetchOutcome => ({ ok: false, reason, detail, ...(status !== undefined ? { status } : {}), askedAt, at: deps.now() });
  const signal = AbortSignal.timeout(camera.timeoutMs);
  const headers: Record<string, string> = { accept: 'image/jpeg' };
  // RFC 7617 Basic
  if (camera.auth) headers.authorization = `Basic ${Buffer.from(`${camera.auth.username}:${camera.auth.password}`).toString('base64')}`;
  try {
    const res = await deps.fetcher(camera.snapshotUrl, { signal, headers });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return fail('http-status', `HTTP ${res.status}`, res.status);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > deps.maxBytes) {
      await res.body?.cancel().catch(() => {});
      return fail('too-large', `content-length ${declared} > ${deps.maxBytes}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > deps.maxBytes) return fail('too-large', `${bytes.length} bytes > ${deps.maxBytes}`);
    const contentType = res.headers.get('content-type');
    const problem = jpegProblem(bytes, contentType);
    if (problem) return fail('not-jpeg', problem);
    return { ok: true, bytes, contentType: contentType!, takenAt: deps.now() };
  } catch (err) {
    const e = err as Error;
    if (signal.aborted || e.name === 'TimeoutError' || e.name === 'AbortError') return fail('timeout', `no answer within ${camera.timeoutMs} ms`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return fail('network', cause?.code ?? cause?.message ?? e.message);
  }
}
