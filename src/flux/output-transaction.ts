import { dirname, join, relative, resolve } from 'node:path';
import { pendingSignalsHandled } from '../stop-on-signals';
import { FileSystem, nodeFileSystem } from './file-system';
import { changesOf, checkPlacement, display, listTrees, OutputTree, planTree, TreePlan } from './output-plan';
import { TreeChanges } from './tree-writer';

/**
 * Writes several directories (the Flux tree, the runbooks, cdk8s's dist/) as one transaction:
 * a synthesis stopped at any instant or failing at any step leaves each of them as it was or
 * complete, never with a scratch file inside. POSIX renames one file at a time, so:
 *
 * 1. every new content is written and flushed into `<workDir>/commit/staged/` (outside the trees);
 * 2. the journal, listing every rename and removal, is written beside it and flushed: the commit point;
 * 3. the renames and removals run, each first keeping the file it replaces as a hard link in
 *    `commit/previous/`, so it can be put back;
 * 4. `commit/` is renamed away: done.
 *
 * Stopped before 2, the trees were never touched and the next synthesis discards the staged
 * files. Stopped after 2, the next synthesis finds the journal and completes the commit before
 * anything else (or puts the previous files back if the commit had failed), and says so. Every
 * step of 3 can be repeated, so a recovery stopped half way is recovered again.
 */

export interface WriteOptions {
  /** Where the staged files and the journal go: outside every tree, on their file system. */
  readonly workDir: string;
  /** @default - the real file system */
  readonly fileSystem?: FileSystem;
  /** Stops the write before its commit point (a signal). */
  readonly signal?: AbortSignal;
}

/** What the trees look like after a failed write, in words ready for the message. */
export type TreeState = 'unchanged' | 'commit-pending';

/** A write that failed or was stopped; the message says what state the trees are in. */
export class WriteFailed extends Error {
  constructor(message: string, readonly state: TreeState) {
    super(message);
  }
}

/**
 * What the start of a synthesis did about one that was interrupted: discarded what it had
 * staged, or completed its commit (`written` and `removed` count what the recovery itself did),
 * or put back what it had replaced.
 */
export type Recovery =
  | { readonly action: 'discarded' }
  | { readonly action: 'completed' | 'undone'; readonly pid: number; readonly startedAt: string; readonly trees: readonly { readonly label: string; readonly written: number; readonly removed: number }[]; readonly reason?: string };

interface Journal {
  readonly pid: number;
  readonly startedAt: string;
  /** Roots relative to the work directory, so a moved checkout still recovers. */
  readonly trees: readonly { readonly label: string; readonly root: string }[];
  readonly operations: readonly { readonly tree: number; readonly path: string; readonly kind: 'write' | 'remove'; readonly existed: boolean }[];
  readonly newDirectories: readonly { readonly tree: number; readonly path: string }[];
}

/** How many files or directories are flushed at once: a file system commits concurrent flushes together (npm run bench). */
export const FLUSH_CONCURRENCY = 16;

/**
 * `operation` on every item, FLUSH_CONCURRENCY at a time. After a failure no further item
 * starts; the first failure is thrown once every started operation has ended.
 */
export async function concurrently<T>(items: readonly T[], operation: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next;
      next += 1;
      try {
        await operation(items[index], index);
      } catch (error) {
        if (!failed) [failed, failure] = [true, error];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FLUSH_CONCURRENCY, items.length) }, worker));
  if (failed) throw failure;
}

function layoutOf(workDir: string) {
  const commit = join(workDir, 'commit');
  return {
    commit,
    staged: join(commit, 'staged'),
    previous: join(commit, 'previous'),
    journal: join(commit, 'journal.json'),
    undoing: join(commit, 'undoing'),
  };
}
type Layout = ReturnType<typeof layoutOf>;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Brings every tree to its files, as one transaction (see the module comment). */
export async function writeOutputs(trees: readonly OutputTree[], options: WriteOptions): Promise<TreeChanges[]> {
  const fs = options.fileSystem ?? nodeFileSystem;
  const workDir = resolve(options.workDir);
  const plans = trees.map((tree) => planTree(fs, tree));
  checkPlacement(fs, plans, workDir);
  const changes = plans.map(changesOf);
  if (plans.every((plan) => plan.writes.length === 0 && plan.removes.length === 0)) return changes;

  const labels = listTrees(plans.map((plan) => plan.label));
  const layout = layoutOf(workDir);
  const journal = journalOf(plans, workDir);
  if (fs.kindOf(layout.commit) !== undefined) {
    throw new WriteFailed(`synthesis did not start writing: ${layout.commit} is left from an earlier synthesis and must be recovered first; synthesize again, which does that before anything else`, 'unchanged');
  }
  try {
    stopIfAborted(options.signal);
    fs.makeDirectory(layout.staged);
    fs.makeDirectory(layout.previous);
    await stage(fs, layout, plans, options.signal);
    await pendingSignalsHandled();
    stopIfAborted(options.signal);
    await fs.writeDurably(`${layout.journal}.new`, `${JSON.stringify(journal)}\n`);
    fs.rename(`${layout.journal}.new`, layout.journal);
  } catch (error) {
    finish(fs, layout, workDir);
    const cause = error instanceof Interrupted ? `stopped by ${error.reason} before writing` : `failed before writing: ${describe(error)}`;
    throw new WriteFailed(`synthesis ${cause}: nothing was written to ${labels}`, 'unchanged');
  }

  // The commit point is behind us: from here on, a stop only delays the end of the commit.
  try {
    fs.syncDirectory(layout.commit);
    const { touched } = commitForward(fs, layout, journal, workDir);
    await concurrently(touched, (directory) => fs.syncDirectoryAsync(directory));
  } catch (error) {
    undoAfterFailure(fs, layout, journal, workDir, error, 'synthesis failed while writing');
    throw new WriteFailed(`synthesis failed while writing: ${describe(error)}; the files already written were put back, so nothing of this synthesis remains in ${labels}`, 'unchanged');
  }
  finish(fs, layout, workDir);
  return changes;
}

/**
 * Completes or undoes the commit of a synthesis that was stopped (killed, out of power) after
 * its commit point, or discards what it had staged before. Run under the lock, before anything
 * else reads the trees; undefined when there was nothing to recover.
 */
export function recoverInterruptedWrite(workDir: string, fileSystem: FileSystem = nodeFileSystem): Recovery | undefined {
  const fs = fileSystem;
  const root = resolve(workDir);
  const layout = layoutOf(root);
  if (fs.kindOf(root) === 'directory') {
    for (const entry of fs.list(root)) if (entry.name.startsWith('finished-')) fs.removeTree(join(root, entry.name));
  }
  if (fs.kindOf(layout.commit) === undefined) return undefined;
  if (fs.kindOf(layout.journal) === undefined) {
    fs.removeTree(layout.commit);
    return { action: 'discarded' };
  }
  const journal = JSON.parse(fs.read(layout.journal).toString('utf8')) as Journal;
  const what = `the synthesis of pid ${journal.pid} (started ${journal.startedAt}) was interrupted while writing`;
  const summary = (action: 'completed' | 'undone', performed: Journal['operations'] = [], reason?: string): Recovery => ({
    action,
    pid: journal.pid,
    startedAt: journal.startedAt,
    reason,
    trees: journal.trees.map((tree, index) => ({
      label: tree.label,
      written: performed.filter((operation) => operation.tree === index && operation.kind === 'write').length,
      removed: performed.filter((operation) => operation.tree === index && operation.kind === 'remove').length,
    })),
  });
  if (fs.kindOf(layout.undoing) !== undefined) {
    undoAfterFailure(fs, layout, journal, root, 'its write had failed', `the synthesis of pid ${journal.pid} (started ${journal.startedAt}) was interrupted while putting back the files of a failed write`);
    return summary('undone');
  }
  let performed: Journal['operations'];
  try {
    const committed = commitForward(fs, layout, journal, root);
    for (const directory of committed.touched) fs.syncDirectory(directory);
    performed = committed.performed;
  } catch (error) {
    undoAfterFailure(fs, layout, journal, root, error, `${what}, and completing it failed`);
    return summary('undone', [], describe(error));
  }
  finish(fs, layout, root);
  return summary('completed', performed);
}

class Interrupted extends Error {
  constructor(readonly reason: string) {
    super(`stopped by ${reason}`);
  }
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Interrupted(String(signal.reason ?? 'a signal'));
}

function journalOf(plans: readonly TreePlan[], workDir: string): Journal {
  const operations: Journal['operations'][number][] = [];
  plans.forEach((plan, tree) => {
    for (const write of plan.writes) operations.push({ tree, path: write.path, kind: 'write', existed: write.existed });
  });
  plans.forEach((plan, tree) => {
    for (const path of plan.removes) operations.push({ tree, path, kind: 'remove', existed: true });
  });
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    trees: plans.map((plan) => ({ label: plan.label, root: relative(workDir, plan.root) })),
    operations,
    newDirectories: plans.flatMap((plan, tree) => plan.newDirectories.map((path) => ({ tree, path }))),
  };
}

/** Writes each new content to `staged/<n>`, n its operation's index in the journal. */
async function stage(fs: FileSystem, layout: Layout, plans: readonly TreePlan[], signal: AbortSignal | undefined): Promise<void> {
  await concurrently(plans.flatMap((plan) => plan.writes), async (write, index) => {
    stopIfAborted(signal);
    await fs.writeDurably(join(layout.staged, String(index)), write.content);
  });
  fs.syncDirectory(layout.staged);
}

function targetOf(journal: Journal, workDir: string, operation: { readonly tree: number; readonly path: string }): string {
  return join(resolve(workDir, journal.trees[operation.tree].root), ...(operation.path === '' ? [] : operation.path.split('/')));
}

/**
 * Every rename and removal of the journal, each skipped when already done: `staged/<n>` gone
 * means write n happened; a removed file is kept as `previous/<n>` before it goes. The caller
 * flushes the directories it touched.
 */
function commitForward(fs: FileSystem, layout: Layout, journal: Journal, workDir: string): { readonly performed: Journal['operations'][number][]; readonly touched: string[] } {
  const touched = new Set<string>();
  for (const directory of journal.newDirectories) {
    const target = targetOf(journal, workDir, directory);
    fs.makeDirectory(target);
    touched.add(dirname(target));
  }
  const performed: Journal['operations'][number][] = [];
  journal.operations.forEach((operation, index) => {
    const target = targetOf(journal, workDir, operation);
    const staged = join(layout.staged, String(index));
    const previous = join(layout.previous, String(index));
    touched.add(dirname(target));
    if (operation.kind === 'write') {
      if (fs.kindOf(staged) === undefined) return;
      if (!operation.existed && fs.kindOf(target) !== undefined) {
        throw new Error(`${display(journal.trees[operation.tree].label, operation.path)} appeared while synthesis was writing; synthesis never overwrites a file it did not write`);
      }
      if (operation.existed && fs.kindOf(previous) === undefined) fs.link(target, previous);
      fs.rename(staged, target);
      performed.push(operation);
    } else if (fs.kindOf(target) !== undefined) {
      if (fs.kindOf(previous) === undefined) fs.link(target, previous);
      fs.remove(target);
      performed.push(operation);
    }
  });
  journal.operations.forEach((operation) => {
    if (operation.kind === 'remove') removeEmptyParents(fs, dirname(targetOf(journal, workDir, operation)), resolve(workDir, journal.trees[operation.tree].root), touched);
  });
  return { performed, touched: [...touched].filter((directory) => fs.kindOf(directory) === 'directory') };
}

/** Puts back every file the commit replaced or removed and removes what it added, last first. */
function undo(fs: FileSystem, layout: Layout, journal: Journal, workDir: string): void {
  const touched = new Set<string>();
  [...journal.operations.entries()].reverse().forEach(([index, operation]) => {
    const target = targetOf(journal, workDir, operation);
    const previous = join(layout.previous, String(index));
    touched.add(dirname(target));
    if (operation.kind === 'write' && fs.kindOf(join(layout.staged, String(index))) !== undefined) return;
    if (operation.kind === 'write' && !operation.existed) {
      if (fs.kindOf(target) !== undefined) fs.remove(target);
    } else if (fs.kindOf(previous) !== undefined) {
      fs.makeDirectory(dirname(target));
      fs.rename(previous, target);
    }
  });
  for (const directory of [...journal.newDirectories].reverse()) {
    const path = targetOf(journal, workDir, directory);
    if (fs.kindOf(path) === 'directory' && fs.list(path).length === 0) {
      fs.removeDirectory(path);
      touched.add(dirname(path));
    }
  }
  for (const directory of touched) if (fs.kindOf(directory) === 'directory') fs.syncDirectory(directory);
}

/**
 * The commit failed at a step: marks the journal as undoing (a recovery continues that way, it
 * never retries what failed) and puts every previous file back. Throws when that fails too.
 */
function undoAfterFailure(fs: FileSystem, layout: Layout, journal: Journal, workDir: string, error: unknown, what: string): void {
  try {
    fs.makeDirectory(layout.undoing);
    fs.syncDirectory(layout.commit);
    undo(fs, layout, journal, workDir);
  } catch (undoError) {
    const labels = listTrees(journal.trees.map((tree) => tree.label));
    throw new WriteFailed(`${what}: ${describe(error)}; putting the previous files back failed too: ${describe(undoError)}. ${labels} may be partly written; fix the cause (permissions, free space, a read-only file system) and synthesize again, which finishes putting them back before anything else (journal: ${layout.journal})`, 'commit-pending');
  }
  finish(fs, layout, workDir);
}

function removeEmptyParents(fs: FileSystem, directory: string, root: string, touched: Set<string>): void {
  let current = directory;
  while (current.startsWith(root) && current !== root && fs.kindOf(current) === 'directory' && fs.list(current).length === 0) {
    fs.removeDirectory(current);
    touched.add(dirname(current));
    current = dirname(current);
  }
}

/**
 * Ends the transaction: renaming `commit/` away is atomic (the journal leaves with everything
 * it names), deleting its contents is not. Neither may fail the synthesis: whatever is left,
 * the next one completes (every step is done already) or removes before anything else.
 */
function finish(fs: FileSystem, layout: Layout, workDir: string): void {
  const finished = join(workDir, `finished-${process.pid}-${Date.now()}`);
  try {
    fs.rename(layout.commit, finished);
    fs.removeTree(finished);
  } catch {
    // Left for recoverInterruptedWrite.
  }
}
