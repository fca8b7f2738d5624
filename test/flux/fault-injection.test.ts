import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENTS } from '../../src/config';
import { OutputTree } from '../../src/flux/output-plan';
import { recoverInterruptedWrite, WriteFailed, writeOutputs } from '../../src/flux/output-transaction';
import { faultyFileSystem, Faults, Killed, MUTATIONS } from '../helpers/faulty-file-system';
import { changedEnvironments, materialize, problemsAfterStop, restore, rooted, same, snapshot, Snapshot, TREES, treesOf } from '../helpers/output-change';

/**
 * The writer stopped or failing at every single file operation of a realistic change (about 50
 * files in flux/, docs/runbooks and dist/), in process through an injected file system layer
 * (test/helpers/faulty-file-system.ts): after each stop, every directory is as before or as
 * after with no scratch file inside, or, inside the commit window, holds only files of the one
 * or the other while the journal is on disk; the next run then completes or undoes the write
 * and says which. The real-process counterpart (SIGKILL of a child synthesis) is in
 * test/flux/kill-synthesis.test.ts.
 */
/** A thousand checkouts are written and read here: the run's directory, in memory where it can be (test/helpers/global-setup.js). */
const SCRATCH = tmpdir();
/** Each checkout is removed when the next is made: thousands would fill the memory. */
let previous: string | undefined;
afterAll(() => {
  for (const root of [previous, template]) if (root) rmSync(root, { recursive: true, force: true });
});
let template: string;
let changed: OutputTree[];
let before: Snapshot;
let after: Snapshot;
/** The operations of an undisturbed write, by name. */
let cleanLog: string[];

function checkout(): { root: string; workDir: string } {
  if (previous) rmSync(previous, { recursive: true, force: true });
  const root = mkdtempSync(join(SCRATCH, 'fault-'));
  previous = root;
  restore(before, root);
  return { root, workDir: join(root, '.flux-synthesis') };
}

async function attempt(faults: Faults): Promise<{ root: string; workDir: string; error?: unknown; log: string[] }> {
  const target = checkout();
  const { fileSystem, log } = faultyFileSystem(faults);
  try {
    await writeOutputs(rooted(changed, target.root), { workDir: target.workDir, fileSystem });
    return { ...target, log };
  } catch (error) {
    return { ...target, error, log };
  }
}

/** What is wrong after the next run's recovery, `stopped` the directories before it, or undefined. */
function problemsAfterRecovery(root: string, workDir: string, stopped: Snapshot, journalOnDisk: boolean): string | undefined {
  const recovery = recoverInterruptedWrite(workDir);
  const state = recovery === undefined ? stopped : snapshot(root);
  const leftovers = existsSync(workDir) ? readdirSync(workDir) : [];
  if (leftovers.length > 0) return `the work directory still holds ${leftovers.join(', ')}`;
  if (journalOnDisk) {
    if (recovery?.action !== 'completed' && recovery?.action !== 'undone') return `a journal was on disk, yet recovery reported ${JSON.stringify(recovery)}`;
    const expected = recovery.action === 'completed' ? after : before;
    const wrong = TREES.filter((tree) => !same(state[tree], expected[tree]));
    return wrong.length > 0 ? `recovery ${recovery.action} the write, but ${wrong.join(', ')} ${wrong.length > 1 ? 'are' : 'is'} not as ${recovery.action === 'completed' ? 'after' : 'before'}` : undefined;
  }
  if (recovery !== undefined && recovery.action !== 'discarded') return `no journal, yet recovery reported ${JSON.stringify(recovery)}`;
  return TREES.some((tree) => !same(state[tree], stopped[tree])) ? 'recovery without a journal changed the directories' : undefined;
}

beforeAll(async () => {
  const original = treesOf(ENVIRONMENTS);
  changed = treesOf(changedEnvironments());
  template = mkdtempSync(join(SCRATCH, 'fault-template-'));
  materialize(original, template);
  before = snapshot(template);
  const clean = checkout();
  const { fileSystem, log } = faultyFileSystem();
  const changes = await writeOutputs(rooted(changed, clean.root), { workDir: clean.workDir, fileSystem });
  after = snapshot(clean.root);
  cleanLog = log;
  const touched = changes.reduce((sum, tree) => sum + tree.written.length + tree.removed.length, 0);
  expect(touched).toBeGreaterThanOrEqual(40);
  expect(TREES.every((tree) => !same(before[tree], after[tree]))).toBe(true);
  expect(readdirSync(clean.workDir)).toEqual([]);
});

test('killed after every N-th file mutation: each directory old or new (or a recoverable commit), and the next run completes or discards it', async () => {
  const total = cleanLog.filter((name) => MUTATIONS.has(name)).length;
  const problems: string[] = [];
  const outcomes = { discarded: 0, completed: 0, untouched: 0 };
  for (let killAfter = 0; killAfter < total; killAfter += 1) {
    const { root, workDir, error } = await attempt({ killAfter });
    // Killed while removing its scratch files, a write that is complete does not fail.
    if (error !== undefined && !(error instanceof Killed) && !(error instanceof WriteFailed)) {
      problems.push(`kill after ${killAfter}: the write failed oddly (${String(error)})`);
      continue;
    }
    const journalOnDisk = existsSync(join(workDir, 'commit/journal.json'));
    const state = snapshot(root);
    const problem = problemsAfterStop(state, before, after, journalOnDisk) ?? problemsAfterRecovery(root, workDir, state, journalOnDisk);
    if (problem) problems.push(`kill after ${killAfter} of ${total} mutations: ${problem}`);
    if (journalOnDisk) outcomes.completed += 1;
    else if (TREES.every((tree) => same(state[tree], before[tree]))) outcomes.discarded += 1;
    else outcomes.untouched += 1;
  }
  expect(problems).toEqual([]);
  // Every phase was hit, many times: before the commit point, inside the window, after the end.
  expect(outcomes.discarded).toBeGreaterThan(total / 5);
  expect(outcomes.completed).toBeGreaterThan(total / 5);
  expect(outcomes.untouched).toBeGreaterThan(0);
}, 120_000);

const CODES = ['EACCES', 'EROFS', 'ENOSPC', 'EIO', 'EPERM'];

test('any single file operation failing (EACCES, EROFS, ENOSPC, EIO, EPERM; injected): the write fails whole or succeeds whole', async () => {
  const problems: string[] = [];
  let failures = 0;
  // Every mutation; of the reads every tenth: a failed read stops the write where the next
  // mutation would, so the reads add no new stopping point.
  for (let at = 1; at <= cleanLog.length; at += 1) {
    if (!MUTATIONS.has(cleanLog[at - 1]) && at % 10 !== 1) continue;
    const code = CODES[at % CODES.length];
    const { root, workDir, error } = await attempt({ fail: { at, code } });
    const state = snapshot(root);
    const expected = error === undefined ? after : before;
    const wrong = TREES.filter((tree) => !same(state[tree], expected[tree]));
    if (wrong.length > 0) problems.push(`${code} at operation ${at} (${cleanLog[at - 1]}): ${error === undefined ? 'succeeded' : 'failed'}, yet ${wrong.join(', ')} not as ${error === undefined ? 'after' : 'before'}`);
    if (error !== undefined) {
      failures += 1;
      if (!String(error).includes(code)) problems.push(`${code} at operation ${at}: the error does not name the cause: ${String(error)}`);
      if (error instanceof WriteFailed && error.state !== 'unchanged') problems.push(`${code} at operation ${at}: one failure left the commit pending: ${error.message}`);
    }
    // A failure while removing the scratch files of a complete write may leave its journal: the next run finds nothing left to do.
    const journalOnDisk = existsSync(join(workDir, 'commit/journal.json'));
    if (journalOnDisk && error !== undefined) problems.push(`${code} at operation ${at}: a journal is left after a failed write`);
    const afterRecovery = problemsAfterRecovery(root, workDir, state, journalOnDisk);
    if (afterRecovery) problems.push(`${code} at operation ${at}: ${afterRecovery}`);
  }
  expect(problems).toEqual([]);
  expect(failures).toBeGreaterThan(100);
}, 120_000);

test('a file system that stays read-only from any mutation on: nothing, or a pending commit the next run (writable again) finishes', async () => {
  const problems: string[] = [];
  const pending = { completed: 0, none: 0 };
  for (let at = 1; at <= cleanLog.length; at += 1) {
    if (!MUTATIONS.has(cleanLog[at - 1])) continue;
    const { root, workDir, error } = await attempt({ fail: { at, code: 'EROFS', persistent: true } });
    const journalOnDisk = existsSync(join(workDir, 'commit/journal.json'));
    if (error instanceof WriteFailed && (error.state === 'commit-pending') !== journalOnDisk) problems.push(`EROFS from operation ${at}: state "${error.state}" but journal ${journalOnDisk ? '' : 'not '}on disk`);
    if (error instanceof WriteFailed && error.state === 'commit-pending' && !/partly written; fix the cause .* synthesize again/.test(error.message)) problems.push(`EROFS from operation ${at}: unclear message: ${error.message}`);
    const state = snapshot(root);
    const problem = problemsAfterStop(state, before, after, journalOnDisk) ?? problemsAfterRecovery(root, workDir, state, journalOnDisk);
    if (problem) problems.push(`EROFS from operation ${at} (${cleanLog[at - 1]}): ${problem}`);
    pending[journalOnDisk ? 'completed' : 'none'] += 1;
  }
  expect(problems).toEqual([]);
  expect(pending.completed).toBeGreaterThan(20);
}, 120_000);

test('killed at every step while undoing a failed commit: the next run finishes undoing it', async () => {
  // The first rename into a tree fails; the undo that follows is killed after each of its mutations.
  const commitStart = cleanLog.findIndex((name, index) => name === 'rename' && index > cleanLog.indexOf('syncDirectory') + 3);
  const failAt = cleanLog.findIndex((name, index) => index > commitStart && name === 'rename') + 1;
  const mutationsBeforeFailure = cleanLog.slice(0, failAt - 1).filter((name) => MUTATIONS.has(name)).length;
  const problems: string[] = [];
  const undone = { byRecovery: 0 };
  for (let extra = 0; extra < 40; extra += 1) {
    const { root, workDir, error } = await attempt({ fail: { at: failAt, code: 'EIO' }, killAfter: mutationsBeforeFailure + 1 + extra });
    const journalOnDisk = existsSync(join(workDir, 'commit/journal.json'));
    const problem = problemsAfterStop(snapshot(root), before, after, journalOnDisk);
    if (problem) problems.push(`undo killed after ${extra} mutations: ${problem}`);
    if (!journalOnDisk) {
      if (!(error instanceof WriteFailed) || error.state !== 'unchanged') problems.push(`undo killed after ${extra}: no journal, yet ${String(error)}`);
      break;
    }
    const recovery = recoverInterruptedWrite(workDir);
    if (extra > 1 && recovery?.action !== 'undone') problems.push(`undo killed after ${extra}: recovery ${JSON.stringify(recovery)}, expected it to finish undoing`);
    const state = snapshot(root);
    const expected = recovery?.action === 'completed' ? after : before;
    if (TREES.some((tree) => !same(state[tree], expected[tree]))) problems.push(`undo killed after ${extra}: after recovery (${recovery?.action}) not as ${recovery?.action === 'completed' ? 'after' : 'before'}`);
    if (recovery?.action === 'undone') undone.byRecovery += 1;
  }
  expect(problems).toEqual([]);
  expect(undone.byRecovery).toBeGreaterThan(3);
}, 120_000);
