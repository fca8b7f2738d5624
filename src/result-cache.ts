import { sha256Of } from './values/sha256';

/**
 * Results of pure computations on text (SQL analyses, credential searches, read-only checks,
 * backup schedules, the checksums of rendered files), by the text's SHA-256, kept across runs
 * while a run keeps them in a file (src/result-cache-file.ts).
 */
export interface ResultStore {
  /** What an earlier run kept. */
  readonly kept: ReadonlyMap<string, unknown>;
  /** What this run used, kept or computed: what the next run is given. */
  readonly used: Map<string, unknown>;
}

/** Undefined while no file keeps results: they are then only remembered by text, below. */
let store: ResultStore | undefined;

/**
 * This run's results by kind and text, for texts that recur within a run (names, settings,
 * scripts, SQL, schedules): looked up by the text itself, without a checksum. Longer texts (a
 * manifest's JSON, a file's input) are looked up once per run and not remembered here.
 */
const byText = new Map<string, Map<string, unknown>>();
const RECURRING_TEXT_LIMIT = 16 * 1024;

/** Computes and keeps results in `next` from now on (undefined: in no file). */
export function useResultStore(next: ResultStore | undefined): void {
  store = next;
  byText.clear();
}

/**
 * `compute(text)`, or its result for the same `kind` and text from this run or a run before.
 * The result must survive JSON (plain objects, arrays, strings, finite numbers, booleans, null).
 */
export function cachedResult<T>(kind: string, text: string, compute: (text: string) => T): T {
  let memo: Map<string, unknown> | undefined;
  if (text.length <= RECURRING_TEXT_LIMIT) {
    memo = byText.get(kind);
    if (memo === undefined) byText.set(kind, memo = new Map());
    if (memo.has(text)) return memo.get(text) as T;
  }
  let result: T;
  if (store === undefined) result = compute(text);
  else {
    const key = `${kind}:${sha256Of(text)}`;
    result = (store.kept.has(key) ? store.kept.get(key) : compute(text)) as T;
    store.used.set(key, result);
  }
  memo?.set(text, result);
  return result;
}
