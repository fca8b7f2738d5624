import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

/**
 * A copy of the repository in a temporary directory, to change and synthesize as a user would,
 * with the real tools; with `git`, also a repository whose one commit holds the copy (for
 * `npm run plan`, which compares with a commit). Its node_modules is a directory of links to the
 * repository's packages, but for `.cache`: the bundles `src/tools/run-app.mjs` builds of the
 * copy's sources (named after their path) stay inside the copy, and go when the test file ends.
 */
export function scratchCheckout(prefix: string, options: { git?: boolean } = {}): string {
  const work = mkdtempSync(join(tmpdir(), `${prefix}-`));
  made.push(work);
  for (const entry of ENTRIES) cpSync(join(REPO_ROOT, entry), join(work, entry), { recursive: true });
  mkdirSync(join(work, 'node_modules'));
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules')).filter((name) => name !== '.cache')) {
    symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(work, 'node_modules', entry));
  }
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
