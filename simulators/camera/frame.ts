import { encodeGreyJpeg } from './jpeg.js';

// The camera's picture: a 5×7 bitmap font for the caption, and a drawn outlet channel with or without water.

/** 5×7 glyphs, one string of 5 bits per row, top to bottom */
const FONT: Record<string, string[]> = {
  '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  '3': ['11110', '00001', '00001', '01110', '00001', '00001', '11110'],
  '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  '6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
  '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  '9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
  ':': ['00000', '01100', '01100', '00000', '01100', '01100', '00000'],
  '-': ['00000', '00000', '00000', '11111', '00000', '00000', '00000'],
  '.': ['00000', '00000', '00000', '00000', '00000', '01100', '01100'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  C: ['01110', '10001', '10000', '10000', '10000', '10001', '01110'],
  D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
  F: ['11111', '10000', '10000', '11110', '10000', '10000', '10000'],
  L: ['10000', '10000', '10000', '10000', '10000', '10000', '11111'],
  N: ['10001', '11001', '10101', '10011', '10001', '10001', '10001'],
  O: ['01110', '10001', '10001', '10001', '10001', '10001', '01110'],
  R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
  T: ['11111', '00100', '00100', '00100', '00100', '00100', '00100'],
  U: ['10001', '10001', '10001', '10001', '10001', '10001', '01110'],
  W: ['10001', '10001', '10001', '10101', '10101', '10101', '01010'],
  Y: ['10001', '10001', '01010', '00100', '00100', '00100', '00100'],
};

export const FRAME_WIDTH = 160;
export const FRAME_HEIGHT = 120;

/** Draws `text` at (x, y) in `scale`-pixel dots; characters without a glyph are left blank. */
function text(px: Uint8Array, width: number, s: string, x0: number, y0: number, scale: number, ink: number): void {
  [...s.toUpperCase()].forEach((ch, i) => {
    const g = FONT[ch] ?? FONT[' ']!;
    for (let row = 0; row < 7; row++)
      for (let col = 0; col < 5; col++) {
        if (g[row]![col] !== '1') continue;
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) px[(y0 + row * scale + dy) * width + x0 + (i * 6 + col) * scale + dx] = ink;
      }
  });
}

/** `at` as YYYY-MM-DD and HH:MM:SS in UTC+8 (the park's time, as a Chinese camera's OSD shows it) */
function stamp(at: number): [string, string] {
  const iso = new Date(at + 8 * 3_600_000).toISOString();
  return [iso.slice(0, 10), iso.slice(11, 19)];
}

/** The picture of an outlet at `at`: caption (site, date, time), the channel (dark and empty, or with a light water band), FLOW / NO FLOW. */
export function outletFrame(site: string, at: number, flowing: boolean): Buffer {
  const w = FRAME_WIDTH;
  const h = FRAME_HEIGHT;
  const px = new Uint8Array(w * h).fill(40);
  // the channel: concrete walls, bed, and water when it flows
  for (let y = 70; y < 112; y++)
    for (let x = 20; x < 140; x++) {
      const wall = x < 28 || x >= 132 || y >= 106;
      px[y * w + x] = wall ? 150 : flowing && y >= 84 ? 210 - ((x + y) % 6) * 4 : 70;
    }
  const [day, time] = stamp(at);
  text(px, w, site, 4, 4, 2, 255);
  text(px, w, day, 4, 24, 1, 230);
  text(px, w, time, 4, 34, 1, 230);
  text(px, w, flowing ? 'FLOW' : 'NO FLOW', 4, 50, 2, flowing ? 255 : 200);
  return encodeGreyJpeg(px, w, h, 80);
}
