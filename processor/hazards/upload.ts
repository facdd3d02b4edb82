import { basename } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { sniffImage, type PhotoType } from './photos.js';
import { PHOTO_LIMITS } from './types.js';

export interface Photo {
  /** the client's file name, cleaned for display (never a path) */
  name?: string;
  contentType: PhotoType;
  data: Buffer;
}

export type Upload = { ok: true; fields: Record<string, string>; photos: Photo[] } | { ok: false; status: 400 | 413 | 415; where: string; message: string };

const MB = 1024 * 1024;
/** the whole request: every photo at its largest plus room for the text fields */
export const MAX_UPLOAD_BYTES = PHOTO_LIMITS.maxFiles * PHOTO_LIMITS.maxBytes + 256 * 1024;
/** text fields of a form: few and short */
const FIELD_LIMITS = { fields: 12, fieldSize: 8 * 1024, parts: 24 } as const;

/** a display name from the client's file name: its last path segment, no control characters, at most 100 characters */
export function cleanName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 100);
  return clean || undefined;
}

function refusal(err: unknown, current: string | undefined): Exclude<Upload, { ok: true }> {
  const code = (err as { code?: string }).code;
  const which = current ? ` ("${current}")` : '';
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return { ok: false, status: 413, where: 'photos', message: `photo${which} is larger than ${PHOTO_LIMITS.maxBytes / MB} MB; each photo may be at most ${PHOTO_LIMITS.maxBytes / MB} MB` };
    case 'FST_FILES_LIMIT':
      return { ok: false, status: 413, where: 'photos', message: `too many photos: at most ${PHOTO_LIMITS.maxFiles} per upload` };
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { ok: false, status: 413, where: 'body', message: `too many form fields (at most ${FIELD_LIMITS.fields})` };
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { ok: false, status: 415, where: 'content-type', message: 'send the form as multipart/form-data (fields and photos)' };
    default:
      return { ok: false, status: 400, where: 'body', message: `unreadable multipart body: ${(err as Error).message?.slice(0, 200) ?? 'unknown error'}` };
  }
}

/**
 * Reads a multipart form (fields and photos) with its limits: photos only in the field `photos`, at
 * most PHOTO_LIMITS.maxFiles of at most PHOTO_LIMITS.maxBytes each, JPEG or PNG by their bytes (the
 * client's content-type is not trusted); at least `minPhotos`. Every refusal says what, where and why.
 */
export async function readUpload(req: FastifyRequest, minPhotos = 1): Promise<Upload> {
  if (!req.isMultipart()) return refusal({ code: 'FST_INVALID_MULTIPART_CONTENT_TYPE' }, undefined);
  const length = Number(req.headers['content-length']);
  if (Number.isFinite(length) && length > MAX_UPLOAD_BYTES) {
    return { ok: false, status: 413, where: 'body', message: `upload of ${(length / MB).toFixed(1)} MB is too large: at most ${PHOTO_LIMITS.maxFiles} photos of ${PHOTO_LIMITS.maxBytes / MB} MB` };
  }
  const fields: Record<string, string> = {};
  const photos: Photo[] = [];
  let current: string | undefined;
  try {
    const parts: AsyncIterableIterator<Multipart> = req.parts({ limits: { files: PHOTO_LIMITS.maxFiles, fileSize: PHOTO_LIMITS.maxBytes, ...FIELD_LIMITS } });
    for await (const part of parts) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      current = cleanName(part.filename);
      const data = await part.toBuffer();
      if (part.fieldname !== 'photos') return { ok: false, status: 400, where: `body.${part.fieldname.slice(0, 40)}`, message: 'files are accepted only in the field "photos"' };
      // an empty file input still sends a part without content: not a photo
      if (data.length === 0 && !current) continue;
      const type = sniffImage(data);
      if (!type) return { ok: false, status: 415, where: 'photos', message: `photo${current ? ` "${current}"` : ''} is not a JPEG or PNG image (checked by its content, not its name)` };
      photos.push({ ...(current ? { name: current } : {}), contentType: type, data });
    }
  } catch (err) {
    return refusal(err, current);
  }
  if (photos.length < minPhotos) return { ok: false, status: 400, where: 'photos', message: `at least ${minPhotos} photo${minPhotos > 1 ? 's' : ''} needed (field "photos", JPEG or PNG)` };
  return { ok: true, fields, photos };
}
