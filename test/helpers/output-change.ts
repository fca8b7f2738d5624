import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OutputTree } from '../../src/flux/output-plan';
import { outputTrees, renderEnvironments } from '../../src/synthesize';
import { estate, shippedEnvironments } from './fixtures';

/** The three directories a synthesis writes, below one checkout. */
export const ROOTS = { fluxRoot: 'flux', runbookRoot: 'docs/runbooks', outdir: 'dist' } as const;
export const TREES = Object.values(ROOTS);

/** Every file (path → content) and directory (path → '<directory>') below each tree of `checkout`. */
export type Snapshot = Record<string, Record<string, string>>;

/** The same paths with the same contents (compared entry by entry: sorting and serializing both sides cost the fault-injection test most of its time). */
export function same(a: Record<string, string>, b: Record<string, string>): boolean {
  const paths = Object.keys(a);
  return paths.length === Object.keys(b).length && paths.every((path) => Object.hasOwn(b, path) && a[path] === b[path]);
}

/** Writes a snapshot into `checkout`. */
export function restore(state: Snapshot, checkout: string): void {
  for (const tree of TREES) {
    mkdirSync(join(checkout, tree), { recursive: true });
    for (const [path, content] of Object.entries(state[tree])) {
      if (content === '<directory>') mkdirSync(join(checkout, tree, path), { recursive: true });
      else writeFileSync(join(checkout, tree, path), content);
    }
  }
}

/**
 * What is wrong with the directories (`state`) right after a synthesis stopped, or undefined:
 * each must be as before or as after, all alike, unless the journal is on disk (inside the
 * commit window), where a mix of old and new files is allowed and nothing else.
 */
export function problemsAfterStop(state: Snapshot, before: Snapshot, after: Snapshot, journalOnDisk: boolean): string | undefined {
  if (journalOnDisk) {
    const strangers = TREES.flatMap((tree) => Object.entries(state[tree]).filter(([path, content]) => content !== before[tree][path] && content !== after[tree][path]).map(([path]) => `${tree}/${path}`));
    return strangers.length > 0 ? `files neither old nor new: ${strangers.join(', ')}` : undefined;
  }
  const mixed = TREES.filter((tree) => !same(state[tree], before[tree]) && !same(state[tree], after[tree]));
  if (mixed.length > 0) return `neither as before nor as after, with no journal to recover from: ${mixed.join(', ')}`;
  const states = new Set(TREES.map((tree) => same(state[tree], before[tree])));
  return states.size > 1 ? 'some directories as before, others as after, with no journal to recover from' : undefined;
}

/** Every entry below `directory` (path → content, '<directory>' or '<symlink to …>'), skipping names in `skip`; {} when it does not exist. */
export function entriesBelow(directory: string, skip: readonly string[] = []): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (path: string, prefix: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (skip.includes(entry.name)) continue;
      const relative = `${prefix}${entry.name}`;
      if (entry.isDirectory()) {
        entries[relative] = '<directory>';
        walk(join(path, entry.name), `${relative}/`);
      } else if (entry.isSymbolicLink()) entries[relative] = `<symlink to ${readlinkSync(join(path, entry.name))}>`;
      else entries[relative] = entry.isFile() ? readFileSync(join(path, entry.name), 'utf8') : '<other>';
    }
  };
  try {
    walk(directory, '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return entries;
}

export function snapshot(checkout: string): Snapshot {
  return Object.fromEntries(TREES.map((tree) => [tree, entriesBelow(join(checkout, tree))]));
}

/** The output trees of a rendering, relative to a checkout (see `rooted`). */
export function treesOf(environments: readonly unknown[]): OutputTree[] {
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status !== 'rendered') throw new Error(`fixture does not render: ${JSON.stringify(outcome)}`);
  return outputTrees(outcome, ROOTS);
}

/** The trees, in `checkout`. */
export function rooted(trees: readonly OutputTree[], checkout: string): OutputTree[] {
  return trees.map((tree) => ({ ...tree, root: join(checkout, tree.root) }));
}

/**
 * A barman backup id (YYYYMMDDTHHMMSS) of an hour before the tests started: restores are checked
 * against the clock. Child processes get the parent's (CNPG_TEST_BACKUP_ID), so that both render
 * the same bytes.
 */
export const RECENT_BACKUP_ID = process.env.CNPG_TEST_BACKUP_ID ?? new Date(Date.now() - 3_600_000).toISOString().replace(/[-:]/g, '').slice(0, 15);

/**
 * A realistic pull request touching about 50 files in all three directories: production gets a
 * point-in-time restore (new files in new directories, a new Flux stage), develop settles its
 * first three migrations (files and directories removed), staging moves to another namespace
 * (files rewritten).
 */
export function changedEnvironments(): readonly unknown[] {
  const environments = shippedEnvironments();
  const environment = (name: string) => environments.find((env) => env.name === name)!;
  environment('production').restores = [{
    name: 'app-db-before-0005-drop-email',
    target: { restorePoint: '0005-drop-email', backupId: RECENT_BACKUP_ID },
    verify: [{ name: 'email is back', sql: "SELECT count(*) FROM information_schema.columns WHERE column_name = 'email'", expect: '1' }],
  }];
  environment('develop').migrations!.settledThrough = '0003-backfill-email-normalized';
  environment('staging').namespace = 'databases-staging';
  return environments;
}

/** A hand-written file beside generated ones: synthesis must never touch it. */
export const HAND_WRITTEN = { path: 'infrastructure/data/cnpg-clusters/production/NOTES.md', content: 'Written by a person.\n' };

/** Writes trees into `checkout` directly (not through the writer under test), plus the hand-written file. */
export function materialize(trees: readonly OutputTree[], checkout: string): void {
  for (const tree of trees) {
    for (const file of tree.files) {
      const path = join(checkout, tree.root, ...file.path.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
    }
  }
  const notes = join(checkout, ROOTS.fluxRoot, HAND_WRITTEN.path);
  mkdirSync(dirname(notes), { recursive: true });
  writeFileSync(notes, HAND_WRITTEN.content);
}
