import { closeSync, fsync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const fsyncLater = promisify(fsync);

/** What a path is, without following a symbolic link. */
export type EntryKind = 'file' | 'directory' | 'symlink' | 'other';

/**
 * The file operations the output writer uses, and nothing else: tests replace it to fail or
 * stop the writer after any single operation. Every operation is one system-level step, so
 * "after the N-th operation" is a point a real crash can stop at too.
 */
export interface FileSystem {
  /** What `path` is, or undefined when nothing is there. */
  kindOf(path: string): EntryKind | undefined;
  /** The device `path` is on: a rename only works within one. */
  deviceOf(path: string): number;
  list(directory: string): { readonly name: string; readonly kind: EntryKind }[];
  /** The bytes of a file. */
  read(path: string): Buffer;
  /**
   * What tells a file's content has not changed without reading it, as git's index does: its
   * device, inode, size, modification and change times; and when it last changed.
   */
  identityOf(path: string): { readonly identity: string; readonly changedAtMs: number };
  /** Creates the directory and its missing parents. */
  makeDirectory(path: string): void;
  /** Writes a new file and flushes it to the disk before resolving. */
  writeDurably(path: string, content: string): Promise<void>;
  /** Flushes a directory's entries (created, renamed or removed names) to the disk. */
  syncDirectory(path: string): void;
  /** syncDirectory(), resolving once flushed: a write flushes many directories at once. */
  syncDirectoryAsync(path: string): Promise<void>;
  rename(from: string, to: string): void;
  link(existing: string, path: string): void;
  remove(path: string): void;
  /** Removes an empty directory. */
  removeDirectory(path: string): void;
  /** Removes a directory and everything in it (the writer's own scratch files only). */
  removeTree(path: string): void;
}

function kindOfStats(stats: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
  return stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other';
}

export const nodeFileSystem: FileSystem = {
  kindOf(path) {
    const stats = lstatSync(path, { throwIfNoEntry: false });
    return stats && kindOfStats(stats);
  },
  deviceOf: (path) => statSync(path).dev,
  list: (directory) => readdirSync(directory, { withFileTypes: true }).map((entry) => ({ name: entry.name, kind: kindOfStats(entry) })),
  read: (path) => readFileSync(path),
  identityOf(path) {
    const stats = lstatSync(path, { bigint: true });
    return { identity: `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`, changedAtMs: Number(stats.ctimeNs / 1_000_000n) };
  },
  makeDirectory(path) {
    mkdirSync(path, { recursive: true });
  },
  // Created and written right away, flushed in the background: files created from several
  // threads at once contend for their directory in the kernel (the large estate into an empty
  // tree took 10-15 % longer, in interleaved runs), while concurrent flushes share journal commits.
  async writeDurably(path, content) {
    const file = openSync(path, 'wx');
    try {
      writeFileSync(file, content);
      await fsyncLater(file);
    } finally {
      closeSync(file);
    }
  },
  syncDirectory(path) {
    const directory = openSync(path, 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
  },
  async syncDirectoryAsync(path) {
    const directory = openSync(path, 'r');
    try {
      await fsyncLater(directory);
    } finally {
      closeSync(directory);
    }
  },
  rename: renameSync,
  link: linkSync,
  remove: unlinkSync,
  removeDirectory: rmdirSync,
  removeTree(path) {
    rmSync(path, { recursive: true, force: true });
  },
};
