/**
 * Is `bytes` a JPEG image? ITU-T T.81 (JPEG) Annex B: an interchange-format image starts with the SOI
 * marker FF D8 followed by another marker (FF xx), and ends with the EOI marker FF D9. Some cameras pad
 * the body after EOI; up to 16 trailing zero bytes are tolerated. A content-type other than image/jpeg
 * (or none) is a camera answering with something else, e.g. an HTML login page.
 */
export function jpegProblem(bytes: Uint8Array, contentType: string | null): string | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'image/jpeg' && type !== 'image/jpg') return `content-type "${contentType ?? ''}" is not image/jpeg`;
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return 'does not start with the JPEG SOI marker FF D8';
  let end = bytes.length;
  while (end > 2 && bytes.length - end < 16 && bytes[end - 1] === 0) end--;
  if (bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd9) return 'does not end with the JPEG EOI marker FF D9';
  return undefined;
}
