import { execFileSync, spawnSync } from 'node:child_process';
import { ENVIRONMENTS, MIGRATION_CATALOG } from '../config';
import { loadSqlParser } from '../migrations/sql-parser';
import { renderPlan } from '../plan';
import { renderEnvironments } from '../synthesize';
import { formatOutcome } from '../report';

// `npm run plan [-- <git ref>]`: what the configs in the working tree would change in the Flux tree
// of <git ref> (default HEAD), summarized for a pull request. The guardrails compare with that tree
// too, as what Flux applied (CLU002). Exits 1 when synthesis would fail, 2 when <ref> is no commit.
const FLUX_ROOT = 'flux';

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', maxBuffer: 1 << 30 });

/** The commit a ref names, or why there is none, in git's own words. */
function resolveCommit(ref: string): { commit: string } | { problem: string } {
  const result = spawnSync('git', ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`], { encoding: 'utf8' });
  if (result.error) return { problem: `git could not run (${result.error.message}); npm run plan compares with a git commit` };
  if (result.status === 0) return { commit: result.stdout.trim() };
  const said = result.stderr.split('\n').find((line) => line.startsWith('fatal: '))?.slice('fatal: '.length);
  return { problem: `"${ref}" names no commit of this repository${said ? ` (git: ${said})` : ''}; give a branch, tag or commit, e.g. npm run plan -- origin/main` };
}

/** The YAML files of the Flux tree at a commit, read in one `git cat-file --batch`. */
function treeAt(commit: string): Map<string, string> {
  const entries = git('ls-tree', '-r', commit, '--', FLUX_ROOT).split('\n')
    .map((line) => /^\d+ blob ([0-9a-f]+)\t(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[2].endsWith('.yaml'));
  const batch = execFileSync('git', ['cat-file', '--batch'], { input: entries.map(([, blob]) => blob).join('\n'), maxBuffer: 1 << 30 });
  const files = new Map<string, string>();
  let offset = 0;
  for (const [, , path] of entries) {
    const header = batch.indexOf(10, offset);
    const size = Number(batch.toString('utf8', offset, header).split(' ')[2]);
    files.set(path.slice(FLUX_ROOT.length + 1), batch.toString('utf8', header + 1, header + 1 + size));
    offset = header + 1 + size + 1;
  }
  return files;
}

async function main(): Promise<number> {
  const ref = process.argv[2] ?? 'HEAD';
  const resolved = resolveCommit(ref);
  if ('problem' in resolved) {
    process.stderr.write(`npm run plan: ${resolved.problem}\n`);
    return 2;
  }
  const committed = treeAt(resolved.commit);
  await loadSqlParser();
  const outcome = renderEnvironments({ environments: ENVIRONMENTS, migrations: MIGRATION_CATALOG, deployedFile: (path) => committed.get(path) });
  if (outcome.status !== 'rendered') {
    process.stdout.write(`${formatOutcome({ ...outcome, trees: [FLUX_ROOT] })}\n`);
    return 1;
  }
  process.stdout.write(renderPlan(committed, new Map(outcome.files.map((file) => [file.path, file.content]))));
  return 0;
}

void main().then((code) => { process.exitCode = code; });
