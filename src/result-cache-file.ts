import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ResultStore, useResultStore } from './result-cache';
import { sha256Of } from './values/sha256';

/**
 * The file that keeps the results of src/result-cache.ts across runs. It belongs to one build of
 * the code: src/tools/run-app.mjs names it after a fingerprint of every module that imports
 * src/result-cache.ts, everything those import, and the lockfile, so a change to the code that
 * computes results starts from a new file, while a change to an environment config keeps it.
 * Without a file (tests, a library user's own app) results are kept for the run only.
 */
const RESULT_CACHE_VARIABLE = 'CNPG_GITOPS_RESULT_CACHE';

/**
 * The cache file run-app.mjs (or a test) names in the environment, taken out of it so that no
 * process this one starts inherits a file that belongs to this build.
 */
export function resultCacheFileOfEnvironment(): string | undefined {
  const file = process.env[RESULT_CACHE_VARIABLE];
  delete process.env[RESULT_CACHE_VARIABLE];
  return file;
}

/** The file's form: the checksum of the results on the first line, so a damaged file is never trusted; the results as JSON after it. */
const FORM = /^([0-9a-f]{64})\n/;

let opened: { readonly file: string; readonly store: ResultStore } | undefined;

/** The results kept in `file`, or none when it is missing, damaged or of another form. */
function readResults(file: string): Map<string, unknown> {
  try {
    const content = readFileSync(file, 'utf8');
    const checksum = FORM.exec(content)?.[1];
    const results = content.slice(65);
    if (checksum === undefined || checksum !== sha256Of(results)) return new Map();
    return new Map(Object.entries(JSON.parse(results) as Record<string, unknown>));
  } catch {
    return new Map();
  }
}

/** Keeps results in `file` across runs, starting with what it holds now. Returns how many that is. */
export function openResultCache(file: string): number {
  opened = { file, store: { kept: readResults(file), used: new Map() } };
  useResultStore(opened.store);
  return opened.store.kept.size;
}

/**
 * Keeps what this run used, and only that (so the file never grows past one run's results), when
 * that differs from what the file held: written aside and renamed into place, so a concurrent
 * run reads the old file or the new one, never half of one. A failure to write only costs the
 * next run the time to compute them again.
 */
export function saveResultCache(): void {
  if (opened === undefined) return;
  const { kept, used } = opened.store;
  if (used.size === kept.size && [...used.keys()].every((key) => kept.has(key))) return;
  const results = JSON.stringify(Object.fromEntries(used));
  const aside = `${opened.file}.${process.pid}.new`;
  try {
    writeFileSync(aside, `${sha256Of(results)}\n${results}`);
    renameSync(aside, opened.file);
    opened = { file: opened.file, store: { kept: new Map(used), used } };
    useResultStore(opened.store);
  } catch {
    // A cache: the next run computes what it misses.
  }
}

/** Stops keeping results in a file and forgets them (tests). */
export function closeResultCache(): void {
  opened = undefined;
  useResultStore(undefined);
}
