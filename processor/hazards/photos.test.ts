import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pngImage } from '../../test/helpers/images.js';
import { tempDb } from '../tickets/testing/fixtures.js';
import { createPhotoStore, sniffImage } from './photos.js';
import { parseDeadline } from './report.js';
import { cleanName } from './upload.js';

describe('hazard photos', () => {
  it('knows JPEG and PNG by their magic bytes only', () => {
    expect(sniffImage(pngImage())).toBe('image/png');
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0, 0]))).toBe('image/jpeg');
    expect(sniffImage(Buffer.from('GIF89a'))).toBeUndefined();
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImage(Buffer.from([0xff, 0xd8]))).toBeUndefined();
  });

  it('keeps photos under their SHA-256 (the same photo once), and reads only well-formed ids', () => {
    const tmp = tempDb('photos-');
    try {
      const store = createPhotoStore(`${tmp.dir}/photos`);
      const png = pngImage(8, 8);
      const a = store.put(png);
      expect(a.id).toMatch(/^[0-9a-f]{64}$/);
      expect(store.put(png)).toEqual(a);
      expect(readdirSync(store.dir)).toEqual([a.id]);
      expect(store.read(a.id)).toEqual(png);
      expect(store.read('../park.db')).toBeUndefined();
      expect(store.read('f'.repeat(64))).toBeUndefined();
    } finally {
      tmp.remove();
    }
  });

  it('shows a client file name as its last segment without control characters, never as a path', () => {
    expect(cleanName('../../etc/passwd')).toBe('passwd');
    expect(cleanName('C:\\Users\\wang\\现场\u0007.jpg')).toBe('现场.jpg');
    expect(cleanName('')).toBeUndefined();
    expect(cleanName('x'.repeat(300))?.length).toBe(100);
  });

  it('reads a deadline as ISO with offset, epoch ms, or park-local time without offset', () => {
    const tz = 'Asia/Shanghai';
    expect(parseDeadline('2026-11-30T17:00:00+08:00', tz)).toBe(Date.parse('2026-11-30T09:00:00Z'));
    expect(parseDeadline('2026-11-30T17:00', tz)).toBe(Date.parse('2026-11-30T09:00:00Z'));
    expect(parseDeadline('1764493200000', tz)).toBe(1764493200000);
    expect(parseDeadline('tomorrow', tz)).toBeUndefined();
  });
});
