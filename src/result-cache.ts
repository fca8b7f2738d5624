import { createHash } from 'node:crypto';

/**
 * Results of pure computations on text (SQL analyses, credential searches, read-only checks,
 * backup schedules, YAML of manifests), by the text's SHA-256: in memory for the run, and across
 * runs when a run keeps them in a file (src/result-cache-file.ts).
 */
export interface ResultStore {
  /** What an earlier run kept. */
  readonly kept: ReadonlyMap<string, unknown>;
  /** What this run used, kept or computed: what the next run is given. */
  readonly used: Map<string, unknown>;
}

let store: ResultStore = { kept: new Map(), used: new Map() };
/** This run's results by kind and text: a lookup by the text itself, no checksum for a text seen before. */
const byText = new Map<string, Map<string, unknown>>();

/** Computes and keeps results in `next` from now on. */
export function useResultStore(next: ResultStore): void {
  store = next;
  byText.clear();
}

export const sha256Of = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * `compute(text)`, or its result for the same `kind` and text from this run or a run before.
 * The result must survive JSON (plain objects, arrays, strings, finite numbers, booleans, null).
 */
export function cachedResult<T>(kind: string, text: string, compute: (text: string) => T): T {
  let ofKind = byText.get(kind);
  if (ofKind === undefined) byText.set(kind, ofKind = new Map());
  if (ofKind.has(text)) return ofKind.get(text) as T;
  const key = `${kind}:${sha256Of(text)}`;
  const result = (store.kept.has(key) ? store.kept.get(key) : compute(text)) as T;
  store.used.set(key, result);
  ofKind.set(text, result);
  return result;
}
