import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Results of pure computations on text (SQL analyses, credential searches), by the text's
 * SHA-256: within a run in memory, and across runs in a file when a run opens one
 * (`openResultCache`). The file belongs to one build of the code: `src/tools/run-app.mjs` names
 * it after a fingerprint of every module that keeps results here and everything they import, so
 * a change to that code starts from an empty file. Without a file (tests, a library user's own
 * app), results are kept for the run only.
 */
interface Store {
  readonly file?: string;
  readonly results: Map<string, unknown>;
  /** Whether results were added since the file was read. */
  changed: boolean;
}

/** The environment variable by which src/tools/run-app.mjs names the cache file of its build. */
export const RESULT_CACHE_VARIABLE = 'CNPG_GITOPS_RESULT_CACHE';

let store: Store = { results: new Map(), changed: false };

/** The file's form: the results and a checksum of them, so a damaged file is never trusted. */
interface CacheFile {
  readonly checksum: string;
  readonly results: string;
}

const checksumOf = (text: string) => createHash('sha256').update(text).digest('hex');

/** The results kept in `file`, or none when it is missing, damaged or of another form. */
function readResults(file: string): Map<string, unknown> {
  try {
    const { checksum, results } = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (typeof results !== 'string' || checksum !== checksumOf(results)) return new Map();
    return new Map(Object.entries(JSON.parse(results) as Record<string, unknown>));
  } catch {
    return new Map();
  }
}

/**
 * Keeps results in `file` across runs: reads what it holds now (a missing or damaged file holds
 * nothing). Returns how many results it held.
 */
export function openResultCache(file: string): number {
  store = { file, results: readResults(file), changed: false };
  return store.results.size;
}

/**
 * Writes the results back to the opened file when this run added any: written aside and
 * renamed into place, so a concurrent run reads the old file or the new one, never half of one.
 * A failure to write only costs the next run the time to compute them again.
 */
export function saveResultCache(): void {
  if (store.file === undefined || !store.changed) return;
  const results = JSON.stringify(Object.fromEntries(store.results));
  const aside = `${store.file}.${process.pid}.new`;
  try {
    writeFileSync(aside, JSON.stringify({ checksum: checksumOf(results), results } satisfies CacheFile));
    renameSync(aside, store.file);
    store.changed = false;
  } catch {
    // Best effort: a cache.
  }
}

/** Forgets every result, kept and in memory (tests). */
export function closeResultCache(): void {
  store = { results: new Map(), changed: false };
}

/**
 * `compute(text)`, or its result for the same `kind` and text from this run or a run before.
 * The result must survive JSON (plain objects, arrays, strings, numbers, booleans).
 */
export function cachedResult<T>(kind: string, text: string, compute: (text: string) => T): T {
  const key = `${kind}:${checksumOf(text)}`;
  if (store.results.has(key)) return store.results.get(key) as T;
  const result = compute(text);
  store.results.set(key, result);
  store.changed = true;
  return result;
}
