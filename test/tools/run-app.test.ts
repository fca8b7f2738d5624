import { spawn } from 'node:child_process';
import { linkSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The bundle cache of run-app.mjs: rebuilt when a source is newer, replaced whole (written aside, renamed). */
const REPO = join(__dirname, '../..');
const ENTRY = join(REPO, 'test/helpers/hello.ts');
const CACHE = join(REPO, 'node_modules/.cache/cnpg-gitops');
const BUNDLE = join(CACHE, `${resolve(ENTRY).replace(/[^a-z0-9]+/gi, '-')}.cjs`);

function runApp(): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [join(REPO, 'src/tools/run-app.mjs'), ENTRY], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout })));
}

test('a stale bundle is replaced whole, so runs started together each execute a complete one', async () => {
  expect((await runApp()).stdout).toMatch(/^hello from \d+\n$/);
  // A second name for the current bundle: its content shows whether a build wrote into it.
  const kept = `${BUNDLE}.kept-by-test`;
  rmSync(kept, { force: true });
  linkSync(BUNDLE, kept);
  const content = readFileSync(kept, 'utf8');
  // Make the bundle older than its entry, then start four runs at once: each may rebuild.
  const past = new Date(statSync(ENTRY).mtimeMs - 60_000);
  utimesSync(BUNDLE, past, past);
  const runs = await Promise.all(Array.from({ length: 4 }, runApp));
  for (const run of runs) expect(run).toEqual({ code: 0, stdout: expect.stringMatching(/^hello from \d+\n$/) });
  // Renamed into place, never rewritten in place: the old file is untouched, and no scratch file is left.
  expect(statSync(BUNDLE).ino).not.toBe(statSync(kept).ino);
  expect(readFileSync(kept, 'utf8')).toBe(content);
  rmSync(kept);
  expect(readdirSync(CACHE).filter((name) => name.endsWith('.new'))).toEqual([]);
  // Dated from before the build read the sources: newer than the entry, so the next run reuses it.
  expect(statSync(BUNDLE).mtimeMs).toBeGreaterThan(statSync(ENTRY).mtimeMs);
  const reused = statSync(BUNDLE).ino;
  expect((await runApp()).code).toBe(0);
  expect(statSync(BUNDLE).ino).toBe(reused);
}, 60_000);
