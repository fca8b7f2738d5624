import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FileSystem, nodeFileSystem } from '../../src/flux/file-system';
import { loadSqlParser } from '../../src/migrations/sql-parser';
import { openResultCache, resultCacheFileOfEnvironment, saveResultCache } from '../../src/result-cache-file';
import { exitCode, stopOnSignals } from '../../src/stop-on-signals';
import { synthesize } from '../../src/synthesize';
import { formatOutcome } from '../../src/report';
import { estate, shippedEnvironments } from './fixtures';
import { MUTATIONS } from './faulty-file-system';
import { changedEnvironments, ROOTS } from './output-change';

// A synthesis as src/main.ts runs it (signals handled, started through run-app.mjs), into the
// checkout at argv[2], of the shipped configs or the ~50-file change (argv[3]: shipped|changed),
// each file mutation slowed by argv[4] ms so that a kill at a random instant falls inside the
// write. It prints (unbuffered) "pid <pid>", "rendering", "writing" at its first mutation and
// "committing" once the journal is in place: the tests time their signals on these lines. With
// argv[5] (writing|committing) and argv[6] (a path), it holds at that point until the path
// exists, so a test can act while it is there, however slow the machine.

const [checkout, variant, delay, holdAt, holdUntil] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const say = (line: string): void => {
  writeSync(1, `${line}\n`);
  if (line === holdAt) while (!existsSync(holdUntil)) Atomics.wait(pause, 0, 0, 10);
};
let writing = false;
const slowed = Object.fromEntries(Object.entries(nodeFileSystem).map(([name, operation]) => [name, (...args: unknown[]) => {
  if (MUTATIONS.has(name)) {
    if (!writing) say('writing');
    writing = true;
    Atomics.wait(pause, 0, 0, Number(delay));
  }
  const result = (operation as (...a: unknown[]) => unknown)(...args);
  if (name === 'rename' && String(args[1]).endsWith('journal.json')) say('committing');
  return result;
}])) as unknown as FileSystem;

async function main(): Promise<number> {
  const signal = stopOnSignals();
  say(`pid ${process.pid}`);
  // As src/main.ts: the results kept across runs, and the SQL parser only when they are cold.
  const cacheFile = resultCacheFileOfEnvironment();
  if (cacheFile === undefined || openResultCache(cacheFile) === 0) await loadSqlParser();
  say('rendering');
  const environments = variant === 'changed' ? changedEnvironments() : shippedEnvironments();
  const outcome = await synthesize({
    ...estate(environments),
    // run-app.mjs runs the bundle from the repository root; __dirname is the bundle's cache directory.
    repoRoot: process.cwd(),
    fluxRoot: join(checkout, ROOTS.fluxRoot),
    runbookRoot: join(checkout, ROOTS.runbookRoot),
    outdir: join(checkout, ROOTS.outdir),
    workDir: join(checkout, '.flux-synthesis'),
    signal,
    fileSystem: slowed,
  });
  process.stderr.write(`${formatOutcome(outcome)}\n`);
  saveResultCache();
  return await exitCode(signal, outcome.status === 'written' ? 0 : 1);
}

void main().then((code) => { process.exitCode = code; });
