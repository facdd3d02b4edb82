import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export type PhotoType = 'image/jpeg' | 'image/png';

/** what the bytes are, by their magic numbers (never by the client's name or content-type) */
export function sniffImage(b: Buffer): PhotoType | undefined {
  // JPEG: SOI marker FF D8 followed by a marker FF (ISO/IEC 10918-1 B.1.1.3)
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  // PNG: the 8-byte signature 89 50 4E 47 0D 0A 1A 0A (RFC 2083 §3.1)
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return undefined;
}

const ID = /^[0-9a-f]{64}$/;
export const isPhotoId = (id: string): boolean => ID.test(id);

export interface PhotoStore {
  /** stores the image under its SHA-256 (the same photo twice is one file); returns its id */
  put(image: Buffer): { id: string; bytes: number };
  /** the image, or undefined when unknown */
  read(id: string): Buffer | undefined;
  readonly dir: string;
}

/**
 * Photos kept on disk under `dir` (the gateway's <dataDir>/photos), content-addressed: the file name
 * is the image's hex SHA-256, so a client's file name never becomes a path. Written to a temp file
 * and renamed, so a crash leaves either the whole photo or none. Photos are evidence and kept.
 */
export function createPhotoStore(dir: string): PhotoStore {
  mkdirSync(dir, { recursive: true });
  const file = (id: string) => join(dir, id);
  return {
    dir,
    put(image) {
      const id = createHash('sha256').update(image).digest('hex');
      if (!existsSync(file(id))) {
        const tmp = `${file(id)}.${process.pid}.tmp`;
        writeFileSync(tmp, image);
        renameSync(tmp, file(id));
      }
      return { id, bytes: image.length };
    },
    read(id) {
      if (!isPhotoId(id)) return undefined;
      try {
        return readFileSync(file(id));
      } catch {
        return undefined;
      }
    },
  };
}
