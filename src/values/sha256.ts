import { hash } from 'node:crypto';

/** The SHA-256 of a text (of its UTF-8 bytes) or of bytes, in hex. One call, no Hash object: a large tree hashes thousands of small texts. */
export function sha256Of(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}
