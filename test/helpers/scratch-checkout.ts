import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures';

/** What `npm run synth`, `npm run plan` and the tools need of the repository (node_modules is linked). */
const ENTRIES = ['package.json', 'package-lock.json', 'cdk8s.yaml', 'tsconfig.json', '.gitignore', 'src', 'imports', 'migrations', 'flux', 'docs'];

/** The scratch copies this test file made: removed when it ends. */
const made: string[] = [];
afterAll(() => {
  for (const work of made.splice(0)) rmSync(work, { recursive: true, force: true });
});

/** Where `src/tools/run-app.mjs` keeps the bundles of a checkout and their result cache files. */
const APP_CACHE = 'node_modules/.cache/cnpg-gitops';

/** The prefix of the app's result cache files in `checkout`: run-app.mjs names them after the entry's path. */
function appResultsPrefix(checkout: string): string {
  return `${join(checkout, 'src/main.ts').replace(/[^a-z0-9]+/gi, '-')}.results-`;
}

/**
 * Gives a new copy the app's result cache of the last copy this test file synthesized in (or of
 * the repository itself), renamed for the copy: an app with the same code finds its results
 * warm, as in a developer's checkout, instead of parsing every SQL file again. The file keeps
 * the fingerprint of the code that computed it in its name, so a copy whose code differs starts
 * cold, as run-app.mjs guarantees; src/result-cache.ts's own tests run it cold on purpose.
 */
function seedResultCache(work: string): void {
  for (const source of [...made.slice(0, -1).reverse(), REPO_ROOT]) {
    const prefix = appResultsPrefix(source);
    let names: string[];
    try {
      names = readdirSync(join(source, APP_CACHE)).filter((name) => name.startsWith(prefix) && name.endsWith('.json'));
    } catch {
      continue;
    }
    if (names.length === 0) continue;
    mkdirSync(join(work, APP_CACHE), { recursive: true });
    for (const name of names) copyFileSync(join(source, APP_CACHE, name), join(work, APP_CACHE, `${appResultsPrefix(work)}${name.slice(prefix.length)}`));
    return;
  }
}

/**
 * A copy of the repository in a temporary directory, to change and synthesize as a user would,
 * with the real tools; with `git`, also a repository whose one commit holds the copy (for
 * `npm run plan`, which compares with a commit). Its node_modules is a directory of links to the
 * repository's packages, but for `.cache`: the bundles `src/tools/run-app.mjs` builds of the
 * copy's sources (named after their path) stay inside the copy, and go when the test file ends;
 * the app's result cache starts from the last copy's (see seedResultCache).
 */
export function scratchCheckout(prefix: string, options: { git?: boolean } = {}): string {
  const work = mkdtempSync(join(tmpdir(), `${prefix}-`));
  made.push(work);
  for (const entry of ENTRIES) cpSync(join(REPO_ROOT, entry), join(work, entry), { recursive: true });
  mkdirSync(join(work, 'node_modules'));
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules')).filter((name) => name !== '.cache')) {
    symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(work, 'node_modules', entry));
  }
  seedResultCache(work);
  if (options.git) {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], { cwd: work, stdio: 'ignore' });
    git('init', '--quiet', '--initial-branch=main');
    git('add', '--all');
    git('commit', '--quiet', '--message', 'scratch checkout');
  }
  return work;
}

/** Replaces text in a file of a scratch checkout, which must hold it. */
export function editFile(work: string, file: string, from: string, to: string): void {
  const content = readFileSync(join(work, file), 'utf8');
  if (!content.includes(from)) throw new Error(`${file} has no ${from}`);
  writeFileSync(join(work, file), content.replace(from, to));
}
