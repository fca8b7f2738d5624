import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeFileSystem } from '../../src/flux/file-system';

describe('nodeFileSystem.writeDurably', () => {
  const directory = mkdtempSync(join(tmpdir(), 'write-durably-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  test('writes the whole content, byte for byte, however long and whatever its characters', async () => {
    // About 400 KB, with 2-, 3- and 4-byte UTF-8 characters.
    const content = `# é € 𝄞\n${'spec: {a: "é€𝄞"}\n'.repeat(20_000)}`;
    await nodeFileSystem.writeDurably(join(directory, 'long.yaml'), content);
    expect(readFileSync(join(directory, 'long.yaml'), 'utf8')).toBe(content);
  });

  test('never replaces a file that is there, and leaves it as it was', async () => {
    const path = join(directory, 'existing.yaml');
    writeFileSync(path, 'kept\n');
    await expect(nodeFileSystem.writeDurably(path, 'new\n')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('kept\n');
  });

  test('closes every file it opens, and leaves none open when the file is there', async () => {
    const open = () => readdirSync('/dev/fd').length;
    const before = open();
    await Promise.all(Array.from({ length: 50 }, (_, index) => nodeFileSystem.writeDurably(join(directory, `file-${index}`), `${index}\n`)));
    await Promise.all(Array.from({ length: 50 }, (_, index) => nodeFileSystem.writeDurably(join(directory, `file-${index}`), 'again\n').catch(() => undefined)));
    expect(open()).toBe(before);
    expect(readFileSync(join(directory, 'file-49'), 'utf8')).toBe('49\n');
  });
});

describe('nodeFileSystem.syncDirectoryAsync', () => {
  const directory = mkdtempSync(join(tmpdir(), 'sync-directory-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  test('flushes many directories at once, closing each, and rejects for one that is not there', async () => {
    const open = () => readdirSync('/dev/fd').length;
    const before = open();
    const directories = Array.from({ length: 50 }, (_, index) => join(directory, `directory-${index}`));
    for (const path of directories) mkdirSync(path);
    await Promise.all(directories.map((path) => nodeFileSystem.syncDirectoryAsync(path)));
    await expect(nodeFileSystem.syncDirectoryAsync(join(directory, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(open()).toBe(before);
  });
});
