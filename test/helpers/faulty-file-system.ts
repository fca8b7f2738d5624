import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { FileSystem, nodeFileSystem } from '../../src/flux/file-system';

/** Operations that change the disk; the rest only read it. */
export const MUTATIONS: ReadonlySet<string> = new Set<keyof FileSystem>(['makeDirectory', 'writeDurably', 'syncDirectory', 'syncDirectoryAsync', 'rename', 'link', 'remove', 'removeDirectory', 'removeTree']);

/** The process died: thrown by every operation from then on, so no clean-up code can run either. */
export class Killed extends Error {}

export interface Faults {
  /** The first `killAfter` mutations run; the process dies before the next (a SIGKILL between two system calls). */
  readonly killAfter?: number;
  /**
   * Operation number `at` (1-based, counting every operation, reads included) fails with
   * `code`; a persistent fault fails every mutation after it too (a file system that went
   * read-only, a disk that stays full).
   */
  readonly fail?: { readonly at: number; readonly code: string; readonly persistent?: boolean };
}

/**
 * The real file system with faults injected, for conditions a test cannot produce for real: the
 * tests run as root, so permissions cannot provoke EACCES, and EROFS or ENOSPC need a mount. A
 * write that dies or fails half way leaves half its content, as a real one can. `log` lists
 * every operation by name, so a test can aim at one. Flushing to the disk is left out (the
 * flushes still count as operations): it only matters when the power fails, which stopping a
 * process does not model, and it would make thousands of runs take minutes.
 */
export function faultyFileSystem(faults: Faults = {}): { fileSystem: FileSystem; log: string[]; mutations: () => number } {
  const log: string[] = [];
  let mutations = 0;
  let dead = false;
  let failed = false;
  const faultFor = (name: string, path: unknown): Error | undefined => {
    if (dead) return new Killed(`killed before ${name} ${String(path)}`);
    log.push(name);
    const mutation = MUTATIONS.has(name);
    if (mutation) mutations += 1;
    if (mutation && faults.killAfter !== undefined && mutations > faults.killAfter) {
      dead = true;
      return new Killed(`killed at ${name} ${String(path)}`);
    }
    const fail = faults.fail;
    if (fail && (log.length === fail.at || (failed && fail.persistent && mutation))) {
      failed = true;
      return Object.assign(new Error(`${fail.code}: injected, ${name} '${String(path)}'`), { code: fail.code });
    }
    return undefined;
  };
  const unflushed: FileSystem = {
    ...nodeFileSystem,
    writeDurably: (path, content) => writeFile(path, content, { flag: 'wx' }),
    syncDirectory: () => undefined,
    syncDirectoryAsync: async () => undefined,
  };
  const fileSystem = Object.fromEntries(Object.entries(unflushed).map(([name, operation]) => [name, (...args: unknown[]) => {
    const error = faultFor(name, args[0]);
    if (error && name === 'writeDurably') {
      const [path, content] = args as [string, string];
      writeFileSync(path, content.slice(0, Math.floor(content.length / 2)));
      return Promise.reject(error);
    }
    if (error) throw error;
    return (operation as (...a: unknown[]) => unknown)(...args);
  }])) as unknown as FileSystem;
  return { fileSystem, log, mutations: () => mutations };
}
