import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FRAME_HEIGHT, FRAME_WIDTH, outletFrame } from './frame.js';
import { encodeGreyJpeg } from './jpeg.js';

/** marker segments of a JPEG up to SOS, then the EOI at the end (T.81 B.1.1) */
function markers(b: Buffer): number[] {
  const out: number[] = [];
  let i = 2;
  expect([b[0], b[1]]).toEqual([0xff, 0xd8]);
  while (i < b.length) {
    expect(b[i]).toBe(0xff);
    const m = b[i + 1]!;
    out.push(m);
    if (m === 0xda) break;
    i += 2 + b.readUInt16BE(i + 2);
  }
  expect([b[b.length - 2], b[b.length - 1]]).toEqual([0xff, 0xd9]);
  return out;
}

/** decodes with libjpeg-turbo's djpeg (a real decoder; .ci/run installs libjpeg-turbo-progs) into PGM pixels */
function decode(jpeg: Buffer): { width: number; height: number; pixels: Buffer } {
  const pgm = execFileSync('djpeg', ['-grayscale', '-pnm'], { input: jpeg });
  const m = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 32).toString('latin1'))!;
  return { width: Number(m[1]), height: Number(m[2]), pixels: pgm.subarray(m[0].length) };
}

describe('camera simulator JPEG', () => {
  it('is a baseline JPEG (SOI, APP0, DQT, SOF0, DHT, SOS ... EOI) that a real decoder reads back close to the source pixels', () => {
    const w = 37;
    const h = 21; // not multiples of 8: edge blocks
    const px = new Uint8Array(w * h).map((_, i) => ((i % w) * 7 + Math.floor(i / w) * 3) % 256);
    const jpeg = encodeGreyJpeg(px, w, h, 90);
    expect(markers(jpeg)).toEqual([0xe0, 0xdb, 0xc0, 0xc4, 0xda]);
    const d = decode(jpeg);
    expect([d.width, d.height]).toEqual([w, h]);
    let err = 0;
    for (let i = 0; i < px.length; i++) err += Math.abs(d.pixels[i]! - px[i]!);
    expect(err / px.length).toBeLessThan(6);
  });

  it('draws the outlet with water when it flows and without when it does not, with the time in the caption', () => {
    const at = Date.UTC(2026, 10, 28, 5, 6, 7);
    const wet = outletFrame('RO-03', at, true);
    const dry = outletFrame('RO-03', at, false);
    const later = outletFrame('RO-03', at + 1000, false);
    const mean = (b: Buffer, y0: number, y1: number) => {
      const { pixels, width } = decode(b);
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = 40; x < 120; x++) s += pixels[y * width + x]!;
      return s / ((y1 - y0) * 80);
    };
    expect(decode(wet)).toMatchObject({ width: FRAME_WIDTH, height: FRAME_HEIGHT });
    expect(mean(wet, 88, 104)).toBeGreaterThan(150); // water in the channel
    expect(mean(dry, 88, 104)).toBeLessThan(100); // an empty channel
    expect(later.equals(dry)).toBe(false); // the clock in the caption moved
  });
});
