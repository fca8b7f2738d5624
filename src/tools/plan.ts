import { execFileSync } from 'node:child_process';
import { ENVIRONMENTS, MIGRATION_CATALOG } from '../config';
import { loadSqlParser } from '../migrations/sql-parser';
import { renderPlan } from '../plan';
import { formatOutcome, renderEnvironments } from '../synthesize';

// `npm run plan [-- <git ref>]`: what the configs in the working tree would change in the Flux tree
// of <git ref> (default HEAD), summarized for a pull request. Exits 1 when synthesis would fail.
const FLUX_ROOT = 'flux';

function committedTree(ref: string): Map<string, string> {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const paths = git('ls-tree', '-r', '--name-only', ref, '--', FLUX_ROOT).split('\n').filter((path) => path.endsWith('.yaml'));
  return new Map(paths.map((path) => [path.slice(FLUX_ROOT.length + 1), git('show', `${ref}:${path}`)]));
}

async function main(): Promise<number> {
  await loadSqlParser();
  const ref = process.argv[2] ?? 'HEAD';
  const outcome = renderEnvironments({ environments: ENVIRONMENTS, migrations: MIGRATION_CATALOG });
  if (outcome.status !== 'rendered') {
    process.stdout.write(`${formatOutcome({ ...outcome, trees: [FLUX_ROOT] })}\n`);
    return 1;
  }
  process.stdout.write(renderPlan(committedTree(ref), new Map(outcome.files.map((file) => [file.path, file.content]))));
  return 0;
}

void main().then((code) => { process.exitCode = code; });
