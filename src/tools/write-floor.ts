import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFileSystem as fs } from '../flux/file-system';
import { concurrently } from '../flux/output-transaction';

// The least a crash-safe writer does to put a tree on disk, which `npm run bench` measures
// synthesis into an empty tree against: `write-floor <tree> <target>` reads every file below
// <tree> (not timed), then makes the same directories below <target>, and writes and flushes every
// file and flushes every directory with synthesis's own file operations and concurrency. No
// rendering, no staging, no journal, no renames.
// Prints {"files", "directories", "milliseconds"} as JSON.
async function main(): Promise<void> {
  const [tree, target] = process.argv.slice(2);
  const directories = [''];
  const files: { readonly path: string; readonly content: string }[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(tree, relative), { withFileTypes: true })) {
      const path = join(relative, entry.name);
      if (entry.isDirectory()) {
        directories.push(path);
        walk(path);
      } else files.push({ path, content: readFileSync(join(tree, path), 'utf8') });
    }
  };
  walk('');

  const started = process.hrtime.bigint();
  for (const directory of directories) fs.makeDirectory(join(target, directory));
  await concurrently(files, (file) => fs.writeDurably(join(target, file.path), file.content));
  await concurrently(directories, (directory) => fs.syncDirectoryAsync(join(target, directory)));
  const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`${JSON.stringify({ files: files.length, directories: directories.length, milliseconds })}\n`);
}

void main();
