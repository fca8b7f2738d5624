import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Who holds the lock. */
export interface LockOwner {
  readonly pid: number;
  readonly startedAt: string;
  /** The process's start time in clock ticks after boot (Linux), so a reused pid is not taken for the owner. */
  readonly processStart?: string;
}

export interface SynthesisLock {
  /** The synthesis that held the lock and is gone (killed), whose lock this one took over. */
  readonly staleOwner?: LockOwner;
  release(): void;
}

/** Another synthesis holds the lock. */
export class LockHeld extends Error {}

/** State and start time of a process, from /proc; undefined where there is no /proc or no such process. */
function processStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

function isRunning(owner: LockOwner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const stat = processStat(owner.pid);
  // A zombie has exited; a different start time means the pid now belongs to another process.
  return !(stat && (stat.state === 'Z' || stat.state === 'X' || (owner.processStart !== undefined && stat.start !== owner.processStart)));
}

function parseOwner(raw: string): LockOwner {
  try {
    return JSON.parse(raw) as LockOwner;
  } catch {
    // Locks are created whole (linked from a written file): an unreadable one is nobody's.
    return { pid: 0, startedAt: 'unknown' };
  }
}

function readOwner(path: string): { raw: string; owner: LockOwner } | undefined {
  try {
    const raw = readFileSync(path, 'utf8');
    return { raw, owner: parseOwner(raw) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function heldMessage(owner: LockOwner, path: string): string {
  return `another synthesis is running, pid ${owner.pid} (started ${owner.startedAt}): wait for it to finish, or stop it. If no synthesis is running (check with \`ps -p ${owner.pid}\`), delete ${path} and synthesize again`;
}

/**
 * One synthesis at a time per work directory: `lock` is created exclusively, whole (a written
 * file hard-linked into place), and holds the owner's pid. A lock whose owner is gone (killed)
 * is taken over: it is renamed aside first, so of two syntheses taking over the same stale lock
 * only one succeeds.
 */
export function acquireSynthesisLock(workDir: string): SynthesisLock {
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, 'lock');
  const self = processStat(process.pid);
  const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString(), processStart: self?.start };
  const content = `${JSON.stringify(owner)}\n`;
  const written = `${path}.${process.pid}.new`;
  writeFileSync(written, content);
  try {
    return takeLock(path, written, content);
  } finally {
    rmSync(written, { force: true });
  }
}

function takeLock(path: string, written: string, content: string): SynthesisLock {
  let staleOwner: LockOwner | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      linkSync(written, path);
      return {
        staleOwner,
        release() {
          if (readOwner(path)?.raw === content) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readOwner(path);
    if (holder === undefined) continue;
    if (isRunning(holder.owner)) throw new LockHeld(heldMessage(holder.owner, path));
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved !== holder.raw) {
      // Another synthesis took the stale lock over between our read and our rename: give it back.
      try {
        linkSync(aside, path);
      } catch {
        // A third one holds the lock by now.
      }
      unlinkSync(aside);
      throw new LockHeld(heldMessage(parseOwner(moved), path));
    }
    unlinkSync(aside);
    staleOwner = holder.owner;
  }
  throw new LockHeld(`could not take the synthesis lock ${path}: other syntheses keep taking it; wait for them to finish`);
}
