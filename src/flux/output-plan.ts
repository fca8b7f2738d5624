import { join, relative, resolve, sep } from 'node:path';
import { cachedResult } from '../result-cache';
import { EntryKind, FileSystem } from './file-system';
import { sha256Of } from '../values/sha256';
import { GENERATED_MARKER, isGenerated, TreeChanges, TreeFile } from './tree-writer';

/**
 * Which existing files of a directory synthesis owns, and so rewrites and deletes: in the Flux tree
 * and the runbooks those whose first line carries the generated marker (hand-written files
 * beside them are never touched); in cdk8s's output directory the `<chart>.k8s.yaml` files.
 */
export type Ownership = 'generated-marker' | 'cdk8s-manifests';

/** One directory synthesis brings to exactly `files`. */
export interface OutputTree {
  /** The directory, e.g. `flux`, as people should read it in messages. */
  readonly root: string;
  /** Paths relative to `root`, `/`-separated. */
  readonly files: readonly TreeFile[];
  readonly ownership: Ownership;
}

/** What bringing one directory to its files takes. */
export interface TreePlan {
  readonly label: string;
  /** Absolute. */
  readonly root: string;
  readonly writes: readonly { readonly path: string; readonly content: string; readonly existed: boolean }[];
  readonly removes: readonly string[];
  readonly unchanged: readonly string[];
  /** Directories the writes need that do not exist yet, parents first (`''` is the root). */
  readonly newDirectories: readonly string[];
}

/** Synthesis refused to write: nothing was touched. The message says what to change. */
export class WriteRefused extends Error {}

const CDK8S_MANIFEST = /^[^/]+\.k8s\.yaml$/;

export function changesOf(plan: TreePlan): TreeChanges {
  return { written: plan.writes.map((write) => write.path), removed: [...plan.removes], unchanged: [...plan.unchanged] };
}

/** `flux/`, `flux/and/this.yaml` */
export function display(label: string, path = ''): string {
  return `${label.replace(/\/+$/, '')}/${path}`;
}

/** `flux/, docs/runbooks/ and dist/` */
export function listTrees(labels: readonly string[]): string {
  const names = labels.map((label) => display(label));
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Why `path` is not a plain path below the root, or undefined. Resolved, not pattern-matched. */
function escapeOf(root: string, path: string): string | undefined {
  const segments = path.split('/');
  if (path.includes('\0') || path.includes('\\') || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'is not a plain relative path (no "..", ".", empty segment, leading "/" or backslash)';
  }
  const target = resolve(root, ...segments);
  return target.startsWith(root + sep) ? undefined : `resolves to ${target}, outside ${root}`;
}

/** Every entry below the root by relative path, refusing symbolic links (they could lead out of the tree). */
function entriesOf(fs: FileSystem, root: string, label: string): Map<string, EntryKind> | undefined {
  const rootKind = fs.kindOf(root);
  if (rootKind === undefined) return undefined;
  const entries = new Map<string, EntryKind>();
  if (rootKind !== 'directory') {
    throw new WriteRefused(`${display(label)} is ${rootKind === 'symlink' ? 'a symbolic link' : 'not a directory'}: synthesis writes only into a real directory it does not have to follow a link to; replace it with a directory (or remove it), then synthesize again`);
  }
  const links: string[] = [];
  const walk = (directory: string, prefix: string): void => {
    for (const entry of fs.list(directory)) {
      const path = prefix + entry.name;
      entries.set(path, entry.kind);
      if (entry.kind === 'symlink') links.push(display(label, path));
      else if (entry.kind === 'directory') walk(join(directory, entry.name), `${path}/`);
    }
  };
  walk(root, '');
  if (links.length > 0) {
    throw new WriteRefused(`refusing to write ${display(label)}: it contains symbolic links, which synthesis never follows (one could lead out of the repository): ${links.join(', ')}; replace each with the file or directory itself, or remove it, then synthesize again`);
  }
  return entries;
}

/**
 * A file that changed this recently could change again within the same tick of the file system's
 * clock and keep its identity (git's "racily clean" files): its checksum is not remembered.
 */
export const RACY_MS = 2_000;

/**
 * The SHA-256 of a committed file, remembered across runs by the file's identity
 * (FileSystem.identityOf) in src/result-cache.ts, as git remembers a clean file: read only when
 * the file changed since, or so recently that a change could hide.
 */
function committedChecksum(fs: FileSystem, path: string, read: () => Buffer): string {
  const { identity, changedAtMs } = fs.identityOf(path);
  if (Date.now() - changedAtMs < RACY_MS) return sha256Of(read());
  return cachedResult('committed-file', `${path}\n${identity}`, () => sha256Of(read()));
}

/**
 * Reads a directory and works out what bringing it to `tree.files` takes, refusing (before
 * anything is written) any path that would leave the root, a symbolic link anywhere in it, a
 * hand-written file in the way, or a file where a directory is needed.
 */
export function planTree(fs: FileSystem, tree: OutputTree): TreePlan {
  const root = resolve(tree.root);
  const label = tree.root;
  const existing = entriesOf(fs, root, label);
  const entries = existing ?? new Map<string, EntryKind>();
  // Each existing file synthesis owns, and whether it already holds its new content: compared by
  // checksum (of its bytes, never decoded; the new content's, rendered or not), one at a time, so
  // a large tree's files are not all held in memory at once.
  const filesByPath = new Map(tree.files.map((file) => [file.path, file]));
  const owned = new Map<string, { readonly unchanged: boolean }>();
  for (const [path, kind] of entries) {
    if (kind !== 'file' || (tree.ownership === 'cdk8s-manifests' && !CDK8S_MANIFEST.test(path))) continue;
    const absolute = join(root, ...path.split('/'));
    let bytes: Buffer | undefined;
    const read = () => (bytes ??= fs.read(absolute));
    const file = filesByPath.get(path);
    // Byte for byte its new content, so owned (a new content without the marker is refused below).
    if (file !== undefined && committedChecksum(fs, absolute, read) === (file.checksum ?? sha256Of(file.content))) {
      owned.set(path, { unchanged: true });
      continue;
    }
    // The marker is on the first line: its first bytes tell.
    if (tree.ownership === 'cdk8s-manifests' || isGenerated(read().toString('utf8', 0, 64))) owned.set(path, { unchanged: false });
  }

  const problems: string[] = [];
  const conflicts: string[] = [];
  const seen = new Set<string>();
  const newDirectories = new Set<string>();
  const writes: { path: string; content: string; existed: boolean }[] = [];
  const unchanged: string[] = [];
  for (const file of tree.files) {
    const escape = escapeOf(root, file.path);
    if (escape) {
      problems.push(`"${file.path}" ${escape}`);
      continue;
    }
    if (seen.has(file.path)) problems.push(`${display(label, file.path)} would be written twice (two generated files share one name)`);
    seen.add(file.path);
    if (tree.ownership === 'cdk8s-manifests' && !CDK8S_MANIFEST.test(file.path)) problems.push(`${display(label, file.path)} is not a "<chart>.k8s.yaml" file at the top of the directory`);
    const ownedFile = owned.get(file.path);
    // A file renderTree rendered begins with the marker: an unchanged one is not rendered to check.
    if (tree.ownership === 'generated-marker' && !(ownedFile?.unchanged && file.checksum !== undefined) && !isGenerated(file.content)) problems.push(`${display(label, file.path)} does not start with the "${GENERATED_MARKER}" line, so the next synthesis would take it for hand-written`);
    const kind = entries.get(file.path);
    if (kind === 'directory') problems.push(`${display(label, file.path)} is a directory, where synthesis writes a file`);
    else if (kind !== undefined && ownedFile === undefined) conflicts.push(display(label, file.path));
    else if (ownedFile?.unchanged) unchanged.push(file.path);
    else {
      writes.push({ path: file.path, content: file.content, existed: kind !== undefined });
      if (existing === undefined) newDirectories.add('');
      const segments = file.path.split('/');
      for (let depth = 1; depth < segments.length; depth += 1) {
        const ancestor = segments.slice(0, depth).join('/');
        const ancestorKind = entries.get(ancestor);
        if (ancestorKind === undefined) newDirectories.add(ancestor);
        else if (ancestorKind !== 'directory') problems.push(`${display(label, ancestor)} is a file, where synthesis needs a directory for ${display(label, file.path)}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new WriteRefused(`refusing to write ${display(label)}: ${problems.join('; ')}. Nothing was written. Move what is in the way; a path that leaves the directory or is written twice comes from a name the config validation should have refused: report it`);
  }
  if (conflicts.length > 0) {
    throw new WriteRefused(`refusing to overwrite hand-written files (their first line does not say "${GENERATED_MARKER}"): ${conflicts.join(', ')}; move them out of the way or delete them, then synthesize again`);
  }
  const removes = [...owned.keys()].filter((path) => !seen.has(path)).sort();
  const depthOf = (path: string) => (path === '' ? 0 : path.split('/').length);
  return { label, root, writes, removes, unchanged, newDirectories: [...newDirectories].sort((a, b) => depthOf(a) - depthOf(b) || a.localeCompare(b)) };
}

/**
 * The directories must not hold one another, nor the work directory: a synthesis would read
 * its own scratch files as part of a tree. A rename works only within one file system, so the
 * work directory must be on the same one as every tree.
 */
export function checkPlacement(fs: FileSystem, plans: readonly TreePlan[], workDir: string): void {
  const places = [...plans.map((plan) => ({ name: display(plan.label), path: plan.root })), { name: `the work directory ${display(relative('.', workDir) || workDir)}`, path: workDir }];
  for (const a of places) {
    for (const b of places) {
      if (a !== b && (a.path === b.path || b.path.startsWith(a.path + sep))) {
        throw new WriteRefused(`refusing to write: ${b.name} is inside ${a.name}; give each its own directory`);
      }
    }
  }
  const deviceOf = (path: string): number => {
    let existing = path;
    while (fs.kindOf(existing) === undefined) existing = resolve(existing, '..');
    return fs.deviceOf(existing);
  };
  const workDevice = deviceOf(workDir);
  for (const plan of plans) {
    if (deviceOf(plan.root) !== workDevice) {
      throw new WriteRefused(`refusing to write ${display(plan.label)}: it is on another file system than ${places.at(-1)!.name}, and synthesis moves finished files from one into the other by renaming; put the work directory (workDir) on the same file system`);
    }
  }
}
