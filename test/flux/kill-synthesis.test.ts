import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../../src/synthesize';
import { formatOutcome } from '../../src/report';
import { estate, shippedEnvironments } from '../helpers/fixtures';
import { changedEnvironments, problemsAfterStop, RECENT_BACKUP_ID, restore, ROOTS, snapshot, Snapshot } from '../helpers/output-change';

/**
 * Real processes: a synthesis (test/helpers/synthesize-checkout.ts, started through
 * run-app.mjs like the app) killed with SIGKILL at random instants of its write, stopped with
 * SIGTERM, orphaned by the death of the process that started it, and run twice at once. The
 * child slows each file mutation by a few milliseconds so that random instants fall inside the
 * write; every operation boundary is covered in process by fault-injection.test.ts.
 */
const REPO = join(__dirname, '../..');
const SEED = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000_007);
// eslint-disable-next-line no-console
console.log(`SIGKILL instants from seed ${SEED}; repeat with KILL_SEED=${SEED}`);
let state = SEED;
/** mulberry32: a small seeded generator, so a failing run can be repeated. */
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let before: Snapshot;
let after: Snapshot;

const options = (checkout: string, environments: readonly unknown[]) => ({
  ...estate(environments),
  fluxRoot: join(checkout, ROOTS.fluxRoot),
  runbookRoot: join(checkout, ROOTS.runbookRoot),
  outdir: join(checkout, ROOTS.outdir),
  workDir: join(checkout, '.flux-synthesis'),
});

function checkoutAsBefore(): string {
  const checkout = mkdtempSync(join(tmpdir(), 'kill-'));
  restore(before, checkout);
  return checkout;
}

interface Synthesis {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  /** Resolves once the child printed `line` (a prefix); rejects if it exits first. */
  readonly reached: (line: string) => Promise<string>;
  readonly exit: Promise<number | null>;
}

function watch(child: ChildProcess): Synthesis {
  let stdout = '';
  let stderr = '';
  const waiting: { line: string; resolve: (line: string) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiting]) {
      const found = stdout.split('\n').find((line) => line.startsWith(waiter.line));
      if (found !== undefined) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  };
  child.stdout!.on('data', (chunk) => { stdout += chunk; check(); });
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    exit,
    reached: (line) => Promise.race([
      new Promise<string>((resolve) => { waiting.push({ line, resolve }); check(); }),
      exit.then(() => { throw new Error(`the synthesis ended before printing "${line}": ${stderr}`); }),
    ]),
  };
}

/** The child renders what this process renders (the same backup id in the restore). */
const ENV = { ...process.env, CNPG_TEST_BACKUP_ID: RECENT_BACKUP_ID };
const helper = (checkout: string, variant: string, delayMs: number, hold: string[]) => [join(REPO, 'src/tools/run-app.mjs'), join(REPO, 'test/helpers/synthesize-checkout.ts'), checkout, variant, String(delayMs), ...hold];

/** A synthesis of `variant` into `checkout`; with `holdAt`, it waits there until `release()`. */
function start(checkout: string, variant: 'changed' | 'shipped', delayMs: number, holdAt?: 'writing' | 'committing'): Synthesis & { release: () => void } {
  const holdFile = join(mkdtempSync(join(tmpdir(), 'hold-')), 'go');
  const synthesis = watch(spawn(process.execPath, helper(checkout, variant, delayMs, holdAt ? [holdAt, holdFile] : []), { stdio: ['ignore', 'pipe', 'pipe'], env: ENV }));
  return { ...synthesis, release: () => writeFileSync(holdFile, '') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const original = mkdtempSync(join(tmpdir(), 'kill-before-'));
  expect((await synthesize(options(original, shippedEnvironments()))).status).toBe('written');
  before = snapshot(original);
  expect((await synthesize(options(original, changedEnvironments()))).status).toBe('written');
  after = snapshot(original);
}, 60_000);

test('SIGKILL at random instants of the write: the directories are old or new (or a journaled commit), and the next synthesis recovers and says so', async () => {
  const seen = { completed: 0, discarded: 0, finished: 0 };
  for (let kill = 0; kill < 4; kill += 1) {
    const checkout = checkoutAsBefore();
    const synthesis = start(checkout, 'changed', 3);
    const pid = Number((await synthesis.reached('pid ')).slice(4));
    // Half the instants count from the first file staged, half from the commit point: the slowed
    // commit takes about 100 × 3 ms, so most of the latter fall inside it, a few after it.
    await synthesis.reached(kill % 2 === 0 ? 'writing' : 'committing');
    const instant = Math.floor(random() * 400);
    await sleep(instant);
    synthesis.child.kill('SIGKILL');
    await synthesis.exit;

    const journalOnDisk = existsSync(join(checkout, '.flux-synthesis/commit/journal.json'));
    const staged = existsSync(join(checkout, '.flux-synthesis/commit'));
    expect({ instant, problem: problemsAfterStop(snapshot(checkout), before, after, journalOnDisk) }).toEqual({ instant, problem: undefined });

    const next = await synthesize(options(checkout, changedEnvironments()));
    const message = formatOutcome(next);
    expect(next.status).toBe('written');
    expect(snapshot(checkout)).toEqual(after);
    if (existsSync(join(checkout, '.flux-synthesis/lock'))) throw new Error('the lock was not released');
    if (journalOnDisk) {
      expect(message).toMatch(new RegExp(`^Recovered: the synthesis of pid ${pid} \\(started .*\\) was killed holding the lock; took the lock over\\.\\nRecovered: the synthesis of pid ${pid} .* was interrupted while writing; completed its write first: .*flux/ \\d+ written`));
      seen.completed += 1;
    } else if (staged) {
      expect(message).toMatch(/Recovered: a synthesis was interrupted before it began writing; discarded the files it had staged/);
      seen.discarded += 1;
    } else {
      // Killed after its write: at most its lock was left.
      expect(message).not.toMatch(/interrupted/);
      seen.finished += 1;
    }
  }
  // eslint-disable-next-line no-console
  console.log(`SIGKILL outcomes: ${JSON.stringify(seen)}`);
}, 120_000);

test('a second synthesis while one is writing is refused, naming the running one\'s pid; the first completes', async () => {
  const checkout = checkoutAsBefore();
  const first = start(checkout, 'changed', 0, 'writing');
  const pid = Number((await first.reached('pid ')).slice(4));
  await first.reached('writing');
  const second = start(checkout, 'changed', 0);
  expect(await second.exit).toBe(1);
  expect(second.stderr()).toMatch(new RegExp(`^another synthesis is running, pid ${pid} \\(started .*\\): wait for it to finish, or stop it\\..*\\nNothing was written: .*flux/, .*docs/runbooks/ and .*dist/ are unchanged\\.\\n$`));
  first.release();
  expect(await first.exit).toBe(0);
  expect(snapshot(checkout)).toEqual(after);
}, 60_000);

test('two syntheses started at once: one writes, the other writes after it or is refused; never a mix', async () => {
  const checkout = checkoutAsBefore();
  const both = [start(checkout, 'changed', 2), start(checkout, 'changed', 2)];
  const pids = await Promise.all(both.map(async (synthesis) => Number((await synthesis.reached('pid ')).slice(4))));
  const codes = await Promise.all(both.map((synthesis) => synthesis.exit));
  expect(codes).toContain(0);
  codes.forEach((code, index) => {
    if (code !== 0) expect(both[index].stderr()).toMatch(new RegExp(`another synthesis is running, pid ${pids[1 - index]} `));
  });
  expect(snapshot(checkout)).toEqual(after);
  expect(existsSync(join(checkout, '.flux-synthesis/commit'))).toBe(false);
}, 60_000);

test('SIGTERM while staging: stopped before its commit point, nothing written, exit 143', async () => {
  const checkout = checkoutAsBefore();
  const synthesis = start(checkout, 'changed', 0, 'writing');
  await synthesis.reached('writing');
  synthesis.child.kill('SIGTERM');
  synthesis.release();
  expect(await synthesis.exit).toBe(143);
  expect(synthesis.stderr()).toMatch(/^SIGTERM: stopping the synthesis .*\nsynthesis stopped by SIGTERM before writing: nothing was written to .*flux\/, .*docs\/runbooks\/ and .*dist\/\n$/);
  expect(snapshot(checkout)).toEqual(before);
  expect(existsSync(join(checkout, '.flux-synthesis/commit'))).toBe(false);
}, 60_000);

test('SIGTERM while committing: the commit is finished first, then the synthesis stops with 143', async () => {
  const checkout = checkoutAsBefore();
  const synthesis = start(checkout, 'changed', 0, 'committing');
  await synthesis.reached('committing');
  synthesis.child.kill('SIGTERM');
  synthesis.release();
  expect(await synthesis.exit).toBe(143);
  expect(synthesis.stderr()).toMatch(/flux\/: [1-9]\d* written, \d+ removed, \d+ unchanged/);
  expect(snapshot(checkout)).toEqual(after);
}, 60_000);

test('the app stops when the process that started it dies (cdk8s synth runs it through sh -c), and writes nothing after', async () => {
  const checkout = checkoutAsBefore();
  const holdFile = join(mkdtempSync(join(tmpdir(), 'hold-')), 'go');
  // Stands in for cdk8s synth: node, running the app through a shell, as cdk8s-cli does.
  const command = helper(checkout, 'changed', 20, ['writing', holdFile]).map((argument) => `"${argument}"`).join(' ');
  const launcher = watch(spawn(process.execPath, ['-e', `require('node:child_process').spawn(${JSON.stringify(`"${process.execPath}" ${command}`)}, { shell: true, stdio: 'inherit' }); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV }));
  const app = Number((await launcher.reached('pid ')).slice(4));
  await launcher.reached('writing');
  launcher.child.kill('SIGKILL');
  await launcher.exit;
  writeFileSync(holdFile, '');
  const gone = async (): Promise<boolean> => {
    for (let wait = 0; wait < 300; wait += 1) {
      try {
        process.kill(app, 0);
      } catch {
        return true;
      }
      await sleep(100);
    }
    return false;
  };
  expect(await gone()).toBe(true);
  expect(launcher.stderr()).toMatch(/SIGTERM: stopping the synthesis(.|\n)*stopped by SIGTERM before writing: nothing was written/);
  expect(snapshot(checkout)).toEqual(before);
}, 60_000);
