import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { outletFrame } from './frame.js';

/**
 * How a simulated camera answers: 'ok' a JPEG of the outlet now; 'silent' accepts the request and never
 * answers (a hung camera); 'error' HTTP 500; 'not-jpeg' 200 with an HTML page (a login page instead of
 * an image).
 */
export type CameraMode = 'ok' | 'silent' | 'error' | 'not-jpeg';

export interface ServedSnapshot {
  site: string;
  at: number;
  bytes: Buffer;
  sha256: string;
}

export interface CameraSimulator {
  readonly port: number;
  /** the snapshot URL of a site's camera */
  url(site: string): string;
  setMode(site: string, mode: CameraMode): void;
  /** every image served so far, oldest first */
  served(site?: string): ServedSnapshot[];
  close(): Promise<void>;
}

export interface CameraOptions {
  /** sites with a camera; GET /<site>/snapshot.jpg answers for each */
  sites: readonly string[];
  /** whether water flows at the outlet now (what the picture shows) */
  flowing(site: string): boolean;
  now: () => number;
  /** 0 (default) picks a free port */
  port?: number;
}

/**
 * 可视监控 cameras of the rain outlets over HTTP on 127.0.0.1, as ONVIF cameras and NVRs serve snapshots:
 * `GET /<site>/snapshot.jpg` answers one baseline JPEG (image/jpeg) showing the site, the park-local date
 * and time, and the channel with or without water. Failure modes are set per site for tests.
 */
export async function startCameraSimulator(o: CameraOptions): Promise<CameraSimulator> {
  const sites = new Set(o.sites);
  const modes = new Map<string, CameraMode>();
  const served: ServedSnapshot[] = [];
  const sockets = new Set<Socket>();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/([A-Z]{2}-\d{2})\/snapshot\.jpg$/.exec(req.url ?? '');
    const site = m?.[1];
    if (req.method !== 'GET' || !site || !sites.has(site)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such camera');
      return;
    }
    const mode = modes.get(site) ?? 'ok';
    if (mode === 'silent') return; // the socket stays open until the client gives up or close()
    if (mode === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('camera error');
      return;
    }
    if (mode === 'not-jpeg') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>login</body></html>');
      return;
    }
    const at = o.now();
    const bytes = outletFrame(site, at, o.flowing(site));
    served.push({ site, at, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    if (served.length > 1000) served.splice(0, served.length - 1000);
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length, 'cache-control': 'no-store' }).end(bytes);
  };
  const server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    url: (site) => `http://127.0.0.1:${port}/${site}/snapshot.jpg`,
    setMode: (site, mode) => void modes.set(site, mode),
    served: (site) => served.filter((s) => site === undefined || s.site === site),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
