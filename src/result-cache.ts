import { createHash } from 'node:crypto';

/**
 * Results of pure computations on text (SQL analyses, credential searches, read-only checks,
 * backup schedules), by the text's SHA-256: in memory for the run, and across runs when a run
 * keeps them in a file (src/result-cache-file.ts).
 */
export interface ResultStore {
  readonly results: Map<string, unknown>;
  /** Whether results were added since the store was read. */
  changed: boolean;
}

let store: ResultStore = { results: new Map(), changed: false };

/** Computes and keeps results in `next` from now on. */
export function useResultStore(next: ResultStore): void {
  store = next;
}

export const sha256Of = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * `compute(text)`, or its result for the same `kind` and text from this run or a run before.
 * The result must survive JSON (plain objects, arrays, strings, finite numbers, booleans, null).
 */
export function cachedResult<T>(kind: string, text: string, compute: (text: string) => T): T {
  const key = `${kind}:${sha256Of(text)}`;
  if (store.results.has(key)) return store.results.get(key) as T;
  const result = compute(text);
  store.results.set(key, result);
  store.changed = true;
  return result;
}
