import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSchema } from '../../gateway/registry/camera.js';
import { startCameraSimulator, type CameraSimulator } from '../../simulators/camera/index.js';
import { cameraLabel, fetchSnapshot } from './fetch.js';

describe('camera snapshot fetch (against the simulated camera)', () => {
  let cam: CameraSimulator;
  beforeAll(async () => {
    cam = await startCameraSimulator({ sites: ['RO-01', 'RO-02', 'RO-03', 'RO-04'], flowing: (s) => s === 'RO-01', now: Date.now });
    cam.setMode('RO-02', 'silent');
    cam.setMode('RO-03', 'error');
    cam.setMode('RO-04', 'not-jpeg');
  });
  afterAll(() => cam.close());
  const deps = { fetcher: (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => fetch(url, init), now: Date.now, maxBytes: 1 << 20 };
  const camera = (site: string, timeoutMs = 2000) => CameraSchema.parse({ snapshotUrl: cam.url(site), timeoutMs });

  it('returns the JPEG the camera served, byte for byte', async () => {
    const out = await fetchSnapshot(camera('RO-01'), deps);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.contentType).toBe('image/jpeg');
    expect(out.bytes.equals(cam.served('RO-01').at(-1)!.bytes)).toBe(true);
  });

  it('records a camera that does not answer as a timeout, within the timeout', async () => {
    const t0 = Date.now();
    const out = await fetchSnapshot(camera('RO-02', 300), deps);
    expect(out).toMatchObject({ ok: false, reason: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('records an HTTP error status and a body that is not a JPEG', async () => {
    expect(await fetchSnapshot(camera('RO-03'), deps)).toMatchObject({ ok: false, reason: 'http-status', status: 500 });
    expect(await fetchSnapshot(camera('RO-04'), deps)).toMatchObject({ ok: false, reason: 'not-jpeg', detail: expect.stringContaining('text/html') });
  });

  it('a camera nobody listens on is a network failure', async () => {
    const gone = await startCameraSimulator({ sites: ['RO-09'], flowing: () => false, now: Date.now });
    const url = gone.url('RO-09');
    await gone.close();
    expect(await fetchSnapshot(CameraSchema.parse({ snapshotUrl: url }), deps)).toMatchObject({ ok: false, reason: 'network' });
  });

  it('shows the camera URL without credentials or query; refuses credentials in the URL itself', () => {
    expect(cameraLabel(CameraSchema.parse({ snapshotUrl: 'http://10.0.0.5/onvif/snapshot.jpg?token=abc', auth: { username: 'admin', password: 'x' } }))).toBe('http://10.0.0.5/onvif/snapshot.jpg');
    expect(CameraSchema.safeParse({ snapshotUrl: 'http://admin:pw@10.0.0.5/snapshot.jpg' }).success).toBe(false);
    expect(CameraSchema.safeParse({ snapshotUrl: 'ftp://10.0.0.5/snapshot.jpg' }).success).toBe(false);
  });
});
