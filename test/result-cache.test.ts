import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { analyzeSql } from '../src/migrations/analysis';
import { cachedResult } from '../src/result-cache';
import { closeResultCache, openResultCache, resultCacheFileOfEnvironment, saveResultCache } from '../src/result-cache-file';
import { credentialsIn } from '../src/security/credentials';
import { renderedFile } from '../src/flux/tree-writer';
import { sha256Of } from '../src/values/sha256';
import { BackupSchedule } from '../src/values/backup-schedule';
import { editFile, scratchCheckout } from './helpers/scratch-checkout';

const scratch = mkdtempSync(join(tmpdir(), 'result-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(closeResultCache);

describe('the result cache file', () => {
  test('keeps results across runs: a kept result is not computed again', () => {
    const file = join(scratch, 'kept.json');
    expect(openResultCache(file)).toBe(0);
    const compute = jest.fn((text: string) => ({ length: text.length }));
    expect(cachedResult('length', 'abc', compute)).toEqual({ length: 3 });
    expect(cachedResult('length', 'abc', compute)).toEqual({ length: 3 });
    expect(compute).toHaveBeenCalledTimes(1);
    saveResultCache();

    closeResultCache();
    expect(openResultCache(file)).toBe(1);
    expect(cachedResult('length', 'abc', compute)).toEqual({ length: 3 });
    expect(cachedResult('length', 'abcd', compute)).toEqual({ length: 4 });
    expect(compute).toHaveBeenCalledTimes(2);
    // The same text under another kind is another result.
    expect(cachedResult('upper', 'abc', (text) => text.toUpperCase())).toBe('ABC');
  });

  test.each([
    ['cut short by a crash', (content: string) => content.slice(0, content.length / 2)],
    ['a result edited by hand', (content: string) => content.replace('{"length":3}', '{"length":4}')],
    ['of another form', () => JSON.stringify({ results: { 'length:x': 1 } })],
    ['empty', () => ''],
  ])('a damaged file (%s) is never trusted: everything is computed again and the file is rewritten whole', (_, damage) => {
    const file = join(scratch, 'damaged.json');
    openResultCache(file);
    cachedResult('length', 'abc', (text) => ({ length: text.length }));
    saveResultCache();
    const damaged = damage(readFileSync(file, 'utf8'));
    expect(damaged).not.toBe(readFileSync(file, 'utf8'));
    writeFileSync(file, damaged);

    expect(openResultCache(file)).toBe(0);
    const compute = jest.fn((text: string) => ({ length: text.length }));
    expect(cachedResult('length', 'abc', compute)).toEqual({ length: 3 });
    expect(compute).toHaveBeenCalledTimes(1);
    saveResultCache();
    closeResultCache();
    expect(openResultCache(file)).toBe(1);
    expect(readdirSync(scratch).filter((name) => name.endsWith('.new'))).toEqual([]);
  });

  test('keeps what the last run used, and only that: the file never grows past one run', () => {
    const file = join(scratch, 'used.json');
    openResultCache(file);
    for (const text of ['a', 'bb', 'ccc']) cachedResult('length', text, (value) => value.length);
    saveResultCache();
    expect(openResultCache(file)).toBe(3);
    cachedResult('length', 'bb', (value) => value.length);
    cachedResult('length', 'dddd', (value) => value.length);
    saveResultCache();
    closeResultCache();
    expect(openResultCache(file)).toBe(2);
    const compute = jest.fn((value: string) => value.length);
    for (const text of ['bb', 'dddd']) cachedResult('length', text, compute);
    expect(compute).not.toHaveBeenCalled();
    cachedResult('length', 'a', compute);
    expect(compute).toHaveBeenCalledTimes(1);
  });

  test('the file named in the environment is taken out of it: a process the app starts does not inherit it', () => {
    process.env.CNPG_GITOPS_RESULT_CACHE = join(scratch, 'named.json');
    expect(resultCacheFileOfEnvironment()).toBe(join(scratch, 'named.json'));
    expect(process.env.CNPG_GITOPS_RESULT_CACHE).toBeUndefined();
    expect(resultCacheFileOfEnvironment()).toBeUndefined();
  });

  test('a run that added nothing does not rewrite the file', () => {
    const file = join(scratch, 'unchanged.json');
    openResultCache(file);
    cachedResult('length', 'abc', (text) => text.length);
    saveResultCache();
    const written = statSync(file).mtimeMs;
    openResultCache(file);
    cachedResult('length', 'abc', (text) => text.length);
    saveResultCache();
    expect(statSync(file).mtimeMs).toBe(written);
  });

  test('kept results equal fresh ones: SQL analyses, credential searches, schedules', () => {
    const file = join(scratch, 'equal.json');
    const sql = [
      'ALTER TABLE users ADD COLUMN note text;',
      'CREATE INDEX users_note ON users (note);',
      "DO $$ BEGIN RAISE NOTICE 'x'; END $$;",
      'SELECT 1 FROM',
    ];
    openResultCache(file);
    const fresh = {
      analyses: sql.map(analyzeSql),
      credentials: credentialsIn("PGPASSWORD=''; export HOME=/tmp"),
      schedules: ['0 0 3 * * *', '0 0 3 * *', '0 0 0 29 2 *'].map((expression) => BackupSchedule.parse(expression)?.longestGapHours() ?? BackupSchedule.problemOf(expression)),
    };
    saveResultCache();
    closeResultCache();
    expect(openResultCache(file)).toBeGreaterThanOrEqual(sql.length + 4);
    const kept = {
      analyses: sql.map(analyzeSql),
      credentials: credentialsIn("PGPASSWORD=''; export HOME=/tmp"),
      schedules: ['0 0 3 * * *', '0 0 3 * *', '0 0 0 29 2 *'].map((expression) => BackupSchedule.parse(expression)?.longestGapHours() ?? BackupSchedule.problemOf(expression)),
    };
    // JSON drops keys whose value is undefined: equal as values, not key for key.
    expect(kept).toEqual(fresh);
    // Daily; five fields; only on 29 February (once in the three years read): Infinity survives as null.
    expect(fresh.schedules).toEqual([24, expect.stringContaining('5 fields'), Infinity]);
  });

  test('a file whose input rendered to its committed bytes last time is read, not rendered; an edited one is rendered again', () => {
    const file = join(scratch, 'rendered.json');
    const render = jest.fn(() => 'kind: ConfigMap\n');
    openResultCache(file);
    expect(renderedFile('a/b.yaml', '{"kind":"ConfigMap"}', render, () => undefined).content).toBe('kind: ConfigMap\n');
    expect(render).toHaveBeenCalledTimes(1);
    saveResultCache();

    closeResultCache();
    openResultCache(file);
    // The writer compares the committed file's bytes with the checksum: no rendering, no second read.
    const again = renderedFile('a/b.yaml', '{"kind":"ConfigMap"}', render, () => { throw new Error('not read for a comparison'); });
    expect(again.checksum).toBe(sha256Of('kind: ConfigMap\n'));
    expect(render).toHaveBeenCalledTimes(1);
    expect(renderedFile('a/b.yaml', '{"kind":"ConfigMap"}', render, () => 'kind: ConfigMap\n').content).toBe('kind: ConfigMap\n');
    expect(render).toHaveBeenCalledTimes(1);
    closeResultCache();
    openResultCache(file);
    // Edited by hand since: the rendering is made again, so the tree is repaired.
    expect(renderedFile('a/b.yaml', '{"kind":"ConfigMap"}', render, () => 'kind: Secret\n').content).toBe('kind: ConfigMap\n');
    expect(render).toHaveBeenCalledTimes(2);
    // Another input under the same path is rendered, whatever the file holds.
    expect(renderedFile('a/b.yaml', '{"kind":"Secret"}', () => 'kind: Secret\n', () => 'kind: ConfigMap\n').content).toBe('kind: Secret\n');
  });

  test('never holds a credential: only that a text holds none is kept', () => {
    const file = join(scratch, 'credentials.json');
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
    openResultCache(file);
    expect(credentialsIn(`aws_secret_access_key = ${secret}`)).toHaveLength(1);
    expect(credentialsIn('no secret here')).toEqual([]);
    saveResultCache();
    expect(readFileSync(file, 'utf8')).not.toContain('wJalrXUtnFEMI');
    closeResultCache();
    openResultCache(file);
    expect(credentialsIn(`aws_secret_access_key = ${secret}`)).toHaveLength(1);
  });
});

/** The files of a directory and their checksums. */
function treeOf(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return files;
}

describe('the app with its result cache (src/tools/run-app.mjs), in a scratch checkout', () => {
  const work = scratchCheckout('result-cache');
  const cacheFile = join(work, 'results.json');
  const loadedFile = join(work, 'loaded.json');
  // Records which packages the app's main thread loaded.
  const recorder = join(work, 'record-loaded.cjs');
  writeFileSync(recorder, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loadedFile)}, JSON.stringify(Object.keys(require.cache))));\n`);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function synthesize(): { status: number | null; stderr: string; loaded: (name: string) => boolean } {
    const run = spawnSync(process.execPath, ['-r', recorder, 'src/tools/run-app.mjs'], { cwd: work, encoding: 'utf8', env: { ...process.env, CNPG_GITOPS_RESULT_CACHE: cacheFile } });
    const loaded: string[] = JSON.parse(readFileSync(loadedFile, 'utf8'));
    return { status: run.status, stderr: run.stderr, loaded: (name) => loaded.some((path) => path.includes(`/node_modules/${name}/`)) };
  }

  test('a cold cache computes and keeps; a warm one loads neither the SQL parser nor cron-parser; both write the same tree', () => {
    const committed = treeOf(join(work, 'flux'));
    const cold = synthesize();
    expect(cold.status).toBe(0);
    expect(cold.loaded('libpg-query')).toBe(true);
    expect(existsSync(cacheFile)).toBe(true);
    expect(treeOf(join(work, 'flux'))).toEqual(committed);
    // The scratch checkout has no dist/: the cold run wrote it, the next runs find it unchanged.
    expect(cold.stderr).toContain('dist/: 12 written');
    const dist = treeOf(join(work, 'dist'));
    const report = (stderr: string) => stderr.replace('dist/: 12 written, 0 removed, 0 unchanged', 'dist/: 0 written, 0 removed, 12 unchanged');

    const warm = synthesize();
    expect(warm.status).toBe(0);
    expect(warm.loaded('libpg-query')).toBe(false);
    expect(warm.loaded('cron-parser')).toBe(false);
    expect(warm.stderr).toBe(report(cold.stderr));
    expect(treeOf(join(work, 'flux'))).toEqual(committed);
    expect(treeOf(join(work, 'dist'))).toEqual(dist);

    writeFileSync(cacheFile, readFileSync(cacheFile, 'utf8').slice(0, 100));
    const damaged = synthesize();
    expect(damaged.status).toBe(0);
    expect(damaged.loaded('libpg-query')).toBe(true);
    expect(damaged.stderr).toBe(report(cold.stderr));
    expect(treeOf(join(work, 'flux'))).toEqual(committed);
    expect(treeOf(join(work, 'dist'))).toEqual(dist);
  }, 120_000);

  test('changed SQL is analysed again: a warm cache never hides a new hazard', () => {
    expect(synthesize().status).toBe(0);
    editFile(work, 'migrations/0004-index-email-normalized/up.sql', 'CREATE UNIQUE INDEX CONCURRENTLY', 'CREATE UNIQUE INDEX');
    const changed = synthesize();
    expect(changed.stderr).toContain('LCK001');
  }, 120_000);
});

describe('the cache file a build names (src/tools/run-app.mjs)', () => {
  const work = scratchCheckout('result-cache-build');
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const bundle = join(work, 'node_modules/.cache/cnpg-gitops', `${join(work, 'src/main.ts').replace(/[^a-z0-9]+/gi, '-')}.cjs`);

  /** Builds the app (by running it) and returns the cache file its bundle names. */
  function cacheFileOfBuild(): string {
    const run = spawnSync(process.execPath, ['src/tools/run-app.mjs'], { cwd: work, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const named = /^process\.env\.CNPG_GITOPS_RESULT_CACHE \?\?= (".*");$/m.exec(readFileSync(bundle, 'utf8').split('\n').slice(0, 3).join('\n'));
    expect(named).not.toBeNull();
    return JSON.parse(named![1]);
  }

  test('a config change keeps the file; a change to the code that computes results starts a new one and removes the old', () => {
    const first = cacheFileOfBuild();
    expect(first).toMatch(/src-main-ts\.results-[0-9a-f]{16}\.json$/);
    expect(existsSync(first)).toBe(true);

    editFile(work, 'src/config/develop.ts', "name: 'develop'", "name: 'develop' /* edited */");
    expect(cacheFileOfBuild()).toBe(first);

    editFile(work, 'src/migrations/classify.ts', 'export', '// edited\nexport');
    const second = cacheFileOfBuild();
    expect(second).not.toBe(first);
    expect(existsSync(second)).toBe(true);
    expect(existsSync(first)).toBe(false);
  }, 120_000);
});
