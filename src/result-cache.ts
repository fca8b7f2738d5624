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
  const slot = slotOf<T>(kind, text);
  if (slot.found) return slot.result as T;
  const result = compute(text);
  slot.keep(result);
  return result;
}

/** A result looked up without computing it: `keep` records it once known. */
export interface ResultSlot<T> {
  readonly found: boolean;
  /** When found. */
  readonly result?: T;
  keep(result: T): void;
}

/**
 * The result this run or a run before kept for `kind` and `text`, without computing it: for a
 * result known only later (a file's checksum once it is rendered), kept then with `keep`.
 */
export function slotOf<T>(kind: string, text: string): ResultSlot<T> {
  let memo: Map<string, unknown> | undefined;
  if (text.length <= RECURRING_TEXT_LIMIT) {
    memo = byText.get(kind);
    if (memo === undefined) byText.set(kind, memo = new Map());
    if (memo.has(text)) return { found: true, result: memo.get(text) as T, keep: () => undefined };
  }
  const current = store;
  const key = current && `${kind}:${sha256Of(text)}`;
  const keep = (result: T): void => {
    if (current !== undefined && key !== undefined) current.used.set(key, result);
    memo?.set(text, result);
  };
  if (current === undefined || key === undefined || !current.kept.has(key)) return { found: false, keep };
  const result = current.kept.get(key) as T;
  keep(result);
  return { found: true, result, keep };
}
