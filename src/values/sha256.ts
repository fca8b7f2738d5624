import { createHash } from 'node:crypto';

/** The SHA-256 of a text (of its UTF-8 bytes) or of bytes, in hex. */
export function sha256Of(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
