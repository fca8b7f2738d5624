import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures';

/** What `npm run synth`, `npm run plan` and the tools need of the repository (node_modules is linked). */
const ENTRIES = ['package.json', 'package-lock.json', 'cdk8s.yaml', 'tsconfig.json', '.gitignore', 'src', 'imports', 'migrations', 'flux', 'docs'];

/**
 * A copy of the repository in a temporary directory, to change and synthesize as a user would,
 * with the real tools; with `git`, also a repository whose one commit holds the copy (for
 * `npm run plan`, which compares with a commit).
 */
export function scratchCheckout(prefix: string, options: { git?: boolean } = {}): string {
  const work = mkdtempSync(join(tmpdir(), `${prefix}-`));
  for (const entry of ENTRIES) cpSync(join(REPO_ROOT, entry), join(work, entry), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'));
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
