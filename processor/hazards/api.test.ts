import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as } from '../../test/helpers/principal.js';
import { pngImage } from '../../test/helpers/images.js';
import { startWebRig, type WebRig } from '../../test/helpers/webRig.js';
import type { Ticket } from '../tickets/types.js';
import type { PhotoEvidence } from './types.js';

let rig: WebRig;
const T0 = Date.parse('2026-11-28T10:00:00+08:00');
const HOUR = 3_600_000;

beforeAll(async () => {
  rig = await startWebRig({ now: T0 });
});
afterAll(async () => {
  await rig?.close();
});

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]);

function form(fields: Record<string, string>, files: { name: string; data: Buffer; type?: string }[] = [{ name: 'leak.png', data: pngImage() }]): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const x of files) f.append('photos', new Blob([new Uint8Array(x.data)], { type: x.type ?? 'image/png' }), x.name);
  return f;
}
const report = { type: 'leak', site: 'WP-01', description: '围堰外有滴漏痕迹' };

async function post(path: string, who: Parameters<typeof as>[0], body: FormData) {
  const res = await fetch(`${rig.url}${path}`, { method: 'POST', headers: as(who), body });
  return { status: res.status, body: (await res.json()) as { ticket?: Ticket; message?: string; where?: string } };
}

describe('POST /api/hazards: a hazard found on the patrol becomes a manual ticket with its photos', () => {
  it('opens a hazard ticket at the site (officer from the registry, control level, default deadline per type) with the photo stored by its SHA-256', async () => {
    const png = pngImage(32, 24);
    const { status, body } = await post('/api/hazards', 'officer', form(report, [{ name: '../../etc/passwd.png', data: png }]));
    expect(status).toBe(201);
    const t = body.ticket!;
    expect(t).toMatchObject({ site: 'WP-01', category: 'hazard', rule: 'patrol-hazard', pollutant: '*', level: 'control', status: 'open', officer: 'OF-01', deadline: T0 + 24 * HOUR });
    expect(t.history[0]!.note).toBe('隐患上报 跑冒滴漏：围堰外有滴漏痕迹');
    const photo = t.evidence.find((e) => e.kind === 'photo')!.data as PhotoEvidence;
    expect(photo).toMatchObject({ stage: 'found', contentType: 'image/png', bytes: png.length, name: 'passwd.png', by: 'OF-01' });
    expect(photo.id).toMatch(/^[0-9a-f]{64}$/);
    expect(rig.photos.read(photo.id)).toEqual(png);
    const img = await fetch(`${rig.url}/api/tickets/${t.id}/photos/${photo.id}`, { headers: as('viewer') });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(img.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await img.arrayBuffer())).toEqual(png);
    expect(rig.access.audit.entries.at(-1)).toMatchObject({ action: 'hazard.report', outcome: 'ok', actor: 'OF-01', target: `ticket:${t.id}` });
    // two hazards at one site are two tickets (each report is its own problem)
    expect((await post('/api/hazards', 'officer', form({ ...report, type: 'odor', deadline: '2026-11-29T17:00' }))).body.ticket).toMatchObject({ site: 'WP-01', deadline: Date.parse('2026-11-29T17:00:00+08:00') });
  });

  it('refuses bad uploads with a clear 4xx: not an image, too large, too many, none, bad fields, outside the scope, wrong role', async () => {
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1');
    expect(await post('/api/hazards', 'officer', form(report, [{ name: 'x.png', data: gif }]))).toMatchObject({ status: 415, body: { where: 'photos', message: expect.stringContaining('"x.png" is not a JPEG or PNG') } });
    const big = Buffer.concat([pngImage(), Buffer.alloc(5 * 1024 * 1024)]);
    expect(await post('/api/hazards', 'officer', form(report, [{ name: 'big.png', data: big }]))).toMatchObject({ status: 413, body: { message: expect.stringContaining('larger than 5 MB') } });
    const seven = Array.from({ length: 7 }, (_, i) => ({ name: `p${i}.jpg`, data: JPEG, type: 'image/jpeg' }));
    expect(await post('/api/hazards', 'officer', form(report, seven))).toMatchObject({ status: 413, body: { message: expect.stringContaining('at most 6') } });
    expect(await post('/api/hazards', 'officer', form(report, []))).toMatchObject({ status: 400, body: { where: 'photos', message: expect.stringContaining('at least 1 photo') } });
    expect(await post('/api/hazards', 'officer', form({ ...report, type: 'meteor' }))).toMatchObject({ status: 400, body: { where: 'body', message: expect.stringContaining('type') } });
    expect(await post('/api/hazards', 'officer', form({ ...report, deadline: '2026-11-27T10:00:00+08:00' }))).toMatchObject({ status: 400, body: { message: expect.stringContaining('deadline must be in the future') } });
    expect(await post('/api/hazards', 'otherOfficer', form(report))).toMatchObject({ status: 404, body: { message: 'no site WP-01 in your scope' } });
    expect((await post('/api/hazards', 'viewer', form(report))).status).toBe(403);
    expect((await post('/api/hazards', 'anonymous', form(report))).status).toBe(401);
    const json = await fetch(`${rig.url}/api/hazards`, { method: 'POST', headers: { ...as('officer'), 'content-type': 'application/json' }, body: JSON.stringify(report) });
    expect(json.status).toBe(415);
    expect(rig.access.audit.entries.filter((e) => e.action === 'hazard.report' && e.outcome === 'denied').length).toBeGreaterThanOrEqual(8);
  });
});

describe('a hazard follows the verified-close lifecycle: it closes only with a photo of the fix', () => {
  it('refuses verification and closing until a fixed photo is uploaded, then closes; the photo serves only within the scope', async () => {
    const t = (await post('/api/hazards', 'officer', form(report))).body.ticket!;
    const move = async (to: string) => {
      const res = await fetch(`${rig.url}/api/tickets/${t.id}/transitions`, { method: 'POST', headers: { ...as('officer'), 'content-type': 'application/json' }, body: JSON.stringify({ to }) });
      return { status: res.status, body: (await res.json()) as { message?: string; status?: string } };
    };
    expect((await move('acknowledged')).status).toBe(200);
    expect((await move('rectifying')).status).toBe(200);
    expect(await move('awaiting_verification')).toMatchObject({ status: 409, body: { message: expect.stringContaining('no photo of the fix yet') } });
    expect((await post(`/api/tickets/${t.id}/photos`, 'otherOfficer', form({ stage: 'fixed' }))).status).toBe(404);
    const fixed = await post(`/api/tickets/${t.id}/photos`, 'officer', form({ stage: 'fixed', note: '已更换法兰垫片' }, [{ name: 'fixed.jpg', data: JPEG, type: 'image/jpeg' }]));
    expect(fixed.status).toBe(201);
    expect(fixed.body.ticket).toMatchObject({ compliantSince: T0 });
    const photo = fixed.body.ticket!.evidence.filter((e) => e.kind === 'photo').at(-1)!.data as PhotoEvidence;
    expect(photo).toMatchObject({ stage: 'fixed', contentType: 'image/jpeg' });
    expect((await move('awaiting_verification')).status).toBe(200);
    expect(await move('closed')).toMatchObject({ status: 200, body: { status: 'closed' } });
    expect(rig.access.audit.entries.some((e) => e.action === 'ticket.photo' && e.outcome === 'ok' && e.target === `ticket:${t.id}`)).toBe(true);
    expect((await fetch(`${rig.url}/api/tickets/${t.id}/photos/${photo.id}`, { headers: as('otherOfficer') })).status).toBe(404);
    expect((await fetch(`${rig.url}/api/tickets/${t.id}/photos/${'0'.repeat(64)}`, { headers: as('officer') })).status).toBe(404);
    expect((await fetch(`${rig.url}/api/tickets/${t.id}/photos/..%2F..%2Fpark.db`, { headers: as('officer') })).status).toBe(400);
    expect((await post(`/api/tickets/${t.id}/photos`, 'officer', form({ stage: 'fixed' }))).status).toBe(409);
  });
});
