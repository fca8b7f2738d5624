import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireSynthesisLock, LockHeld } from '../../src/flux/synthesis-lock';

const workDir = () => mkdtempSync(join(tmpdir(), 'lock-'));
const lockOf = (directory: string) => JSON.parse(readFileSync(join(directory, 'lock'), 'utf8'));

/** A pid that belonged to a process which has exited (and was reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('one holder at a time: a second synthesis is refused with the holder\'s pid, and may go once the lock is released', () => {
  const directory = workDir();
  const lock = acquireSynthesisLock(directory);
  expect(lockOf(directory)).toMatchObject({ pid: process.pid });
  expect(() => acquireSynthesisLock(directory)).toThrow(new RegExp(`^another synthesis is running, pid ${process.pid} \\(started [0-9T:.-]+Z\\): wait for it to finish, or stop it\\. If no synthesis is running \\(check with \`ps -p ${process.pid}\`\\), delete .*lock and synthesize again$`));
  lock.release();
  expect(existsSync(join(directory, 'lock'))).toBe(false);
  const again = acquireSynthesisLock(directory);
  expect(again.staleOwner).toBeUndefined();
  again.release();
  expect(readdirSync(directory)).toEqual([]);
});

test('a lock held by another running process is respected', async () => {
  const directory = workDir();
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    writeFileSync(join(directory, 'lock'), `${JSON.stringify({ pid: holder.pid, startedAt: '2026-11-24T10:00:00.000Z' })}\n`);
    expect(() => acquireSynthesisLock(directory)).toThrow(LockHeld);
    expect(() => acquireSynthesisLock(directory)).toThrow(`another synthesis is running, pid ${holder.pid} (started 2026-11-24T10:00:00.000Z)`);
  } finally {
    holder.kill('SIGKILL');
  }
});

test('the lock of a killed synthesis is taken over, and the new holder knows whose it was', () => {
  const directory = workDir();
  const pid = deadPid();
  writeFileSync(join(directory, 'lock'), `${JSON.stringify({ pid, startedAt: '2026-11-24T10:00:00.000Z' })}\n`);
  const lock = acquireSynthesisLock(directory);
  expect(lock.staleOwner).toEqual({ pid, startedAt: '2026-11-24T10:00:00.000Z' });
  expect(lockOf(directory).pid).toBe(process.pid);
  lock.release();
});

test('a pid reused by an unrelated process does not keep a stale lock alive (Linux: process start time)', () => {
  if (!existsSync('/proc/self/stat')) throw new Error('this test needs /proc (Linux)');
  const directory = workDir();
  // The pid is alive (this very process) but started at another time than the lock records.
  writeFileSync(join(directory, 'lock'), `${JSON.stringify({ pid: process.pid, startedAt: '2026-11-24T10:00:00.000Z', processStart: '1' })}\n`);
  const lock = acquireSynthesisLock(directory);
  expect(lock.staleOwner?.processStart).toBe('1');
  lock.release();
});

test('an unreadable lock is nobody\'s; releasing never removes a lock someone else took', () => {
  const directory = workDir();
  writeFileSync(join(directory, 'lock'), '{"pid": 12');
  const lock = acquireSynthesisLock(directory);
  expect(lock.staleOwner).toEqual({ pid: 0, startedAt: 'unknown' });
  writeFileSync(join(directory, 'lock'), `${JSON.stringify({ pid: 1, startedAt: 'later' })}\n`);
  lock.release();
  expect(lockOf(directory)).toEqual({ pid: 1, startedAt: 'later' });
});
