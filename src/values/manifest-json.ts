import { sha256Of } from './sha256';

/**
 * The checksum of each rendered manifest (which is never changed after rendering): stringified
 * and hashed once, and only the checksum kept, so a large tree's JSON is not held in memory.
 */
const digests = new WeakMap<object, string>();

/** The SHA-256 of `JSON.stringify(manifest)`: what src/result-cache.ts knows a rendered manifest by. */
export function manifestDigest(manifest: object): string {
  let digest = digests.get(manifest);
  if (digest === undefined) {
    digest = sha256Of(JSON.stringify(manifest));
    digests.set(manifest, digest);
  }
  return digest;
}
