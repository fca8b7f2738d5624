import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystem, nodeFileSystem } from '../../src/flux/file-system';
import { Ownership, RACY_MS, WriteRefused } from '../../src/flux/output-plan';
import { writeOutputs } from '../../src/flux/output-transaction';
import { GENERATED_MARKER, renderTree, TreeFile } from '../../src/flux/tree-writer';
import { closeResultCache, openResultCache, saveResultCache } from '../../src/result-cache-file';
import { sha256Of } from '../../src/values/sha256';
import { entriesBelow } from '../helpers/output-change';

const file = (path: string, body = 'kind: X\n') => ({ path, content: `# ${GENERATED_MARKER} test\n${body}` });

/** A checkout with a `flux` directory; the work directory beside it. */
function tree(): string {
  return join(mkdtempSync(join(tmpdir(), 'flux-tree-')), 'flux');
}

const writeTree = (root: string, files: readonly TreeFile[], ownership: Ownership = 'generated-marker') =>
  writeOutputs([{ root, files, ownership }], { workDir: join(root, '..', '.work') }).then(([changes]) => changes);

/** Every file below `directory`, by relative path. */
const contents = (directory: string) => Object.fromEntries(Object.entries(entriesBelow(directory)).filter(([, content]) => content !== '<directory>'));

test('renderTree groups objects per file, in order, and lists them in kustomization.yaml', () => {
  const files = renderTree([{
    directory: 'infrastructure/data/x/develop',
    environment: 'develop',
    kustomization: true,
    objects: [
      { file: 'b.yaml', manifest: { kind: 'B', metadata: { name: 'one' } } },
      { file: 'a.yaml', manifest: { kind: 'A' } },
      { file: 'b.yaml', manifest: { kind: 'B', metadata: { name: 'two' } } },
    ],
  }]);
  expect(files.map((f) => f.path)).toEqual([
    'infrastructure/data/x/develop/a.yaml',
    'infrastructure/data/x/develop/b.yaml',
    'infrastructure/data/x/develop/kustomization.yaml',
  ]);
  expect(files[1].content).toBe(`# ${GENERATED_MARKER} from src/config/develop.ts. Do not edit: change the config and run \`npm run synth\`.\nkind: B\nmetadata:\n  name: one\n---\nkind: B\nmetadata:\n  name: two\n`);
  expect(files[2].content).toContain('resources:\n  - a.yaml\n  - b.yaml\n');
});

test('writes new files, leaves unchanged ones alone and removes generated files no longer produced', async () => {
  const root = tree();
  await writeTree(root, [file('env/a.yaml'), file('env/b.yaml'), file('old/gone.yaml')]);
  const changes = await writeTree(root, [file('env/a.yaml'), file('env/b.yaml', 'kind: Changed\n')]);
  expect(changes).toEqual({ written: ['env/b.yaml'], removed: ['old/gone.yaml'], unchanged: ['env/a.yaml'] });
  expect(readFileSync(join(root, 'env/b.yaml'), 'utf8')).toContain('kind: Changed');
  expect(existsSync(join(root, 'old'))).toBe(false);
  expect(readdirSync(join(root, '..', '.work'))).toEqual([]);
});

test('a new file is rendered as it is staged, after every check of the plan, and its content written', async () => {
  const root = tree();
  const events: string[] = [];
  // A file system that logs each staged write, and a file that logs when its content is asked for.
  const logging: FileSystem = { ...nodeFileSystem, writeDurably: (path, content) => { events.push(`write ${content.slice(-8).trim()}`); return nodeFileSystem.writeDurably(path, content); } };
  const lazy = (path: string, body: string): TreeFile => ({ path, get content() { events.push(`render ${body}`); return `# ${GENERATED_MARKER} test\n${body}\n`; } });
  await writeOutputs([{ root, files: [lazy('env/a.yaml', 'kind: A'), lazy('env/b.yaml', 'kind: B')], ownership: 'generated-marker' }], { workDir: join(root, '..', '.work'), fileSystem: logging });
  expect(events.slice(0, 2)).toEqual(['render kind: A', 'write kind: A']);
  expect(events.filter((event) => event.startsWith('render'))).toHaveLength(2);
  expect(contents(root)).toEqual({ 'env/a.yaml': `# ${GENERATED_MARKER} test\nkind: A\n`, 'env/b.yaml': `# ${GENERATED_MARKER} test\nkind: B\n` });
});

test('never touches a hand-written file, even in a generated directory', async () => {
  const root = tree();
  await writeTree(root, [file('env/a.yaml'), file('env/stale.yaml')]);
  writeFileSync(join(root, 'env/notes.yaml'), 'hand: written\n');
  await writeTree(root, [file('env/a.yaml')]);
  expect(readFileSync(join(root, 'env/notes.yaml'), 'utf8')).toBe('hand: written\n');
  expect(existsSync(join(root, 'env/stale.yaml'))).toBe(false);
});

test('fails when a generated file would overwrite a hand-written one, and writes nothing', async () => {
  const root = tree();
  mkdirSync(join(root, 'env'), { recursive: true });
  writeFileSync(join(root, 'env/a.yaml'), 'hand: written\n');
  await expect(writeTree(root, [file('env/new.yaml'), file('env/a.yaml')])).rejects.toThrow(/refusing to overwrite hand-written files .*env\/a.yaml/);
  writeFileSync(join(root, 'env/notes.md'), '<!-- Generated by cnpg-gitops, honest -->\n');
  expect((await writeTree(root, [])).removed).toEqual(['env/notes.md']);
  expect(existsSync(join(root, 'env/new.yaml'))).toBe(false);
  expect(readFileSync(join(root, 'env/a.yaml'), 'utf8')).toBe('hand: written\n');
});

test('a directory where a file must go is refused before anything is written', async () => {
  const root = tree();
  await writeTree(root, [file('env/a.yaml')]);
  mkdirSync(join(root, 'env/b.yaml'));
  await expect(writeTree(root, [file('env/a.yaml', 'kind: New\n'), file('env/b.yaml')])).rejects.toThrow(/flux\/env\/b.yaml is a directory, where synthesis writes a file/);
  expect(contents(root)).toEqual({ 'env/a.yaml': file('env/a.yaml').content });
  await expect(writeTree(root, [file('env/a.yaml/c.yaml')])).rejects.toThrow(/flux\/env\/a.yaml is a file, where synthesis needs a directory/);
});

describe('containment: every path is resolved and stays inside its directory', () => {
  test.each([
    ['a parent segment', '../outside.yaml'],
    ['a parent segment deeper down', 'env/../../outside.yaml'],
    ['an absolute path', '/tmp/outside.yaml'],
    ['a current-directory segment', 'env/./a.yaml'],
    ['an empty segment', 'env//a.yaml'],
    ['a backslash', 'env\\..\\a.yaml'],
    ['a NUL byte', 'env/a\0.yaml'],
  ])('%s is refused and nothing is written', async (_case, path) => {
    const root = tree();
    await writeTree(root, [file('env/a.yaml')]);
    const before = contents(join(root, '..'));
    await expect(writeTree(root, [file('env/a.yaml', 'kind: New\n'), file(path)])).rejects.toThrow(WriteRefused);
    await expect(writeTree(root, [file(path)])).rejects.toThrow(/is not a plain relative path/);
    expect(contents(join(root, '..'))).toEqual(before);
  });

  test('a symbolic link to a directory inside the tree is refused, not followed', async () => {
    const root = tree();
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    await writeTree(root, [file('env/a.yaml')]);
    symlinkSync(outside, join(root, 'env/linked'));
    await expect(writeTree(root, [file('env/a.yaml'), file('env/linked/escape.yaml')])).rejects.toThrow(/contains symbolic links, which synthesis never follows .*flux\/env\/linked/);
    expect(readdirSync(outside)).toEqual([]);
  });

  test('a symbolic link to a file is refused, even where no file is written', async () => {
    const root = tree();
    const outside = join(mkdtempSync(join(tmpdir(), 'outside-')), 'target.yaml');
    writeFileSync(outside, 'precious\n');
    await writeTree(root, [file('env/a.yaml')]);
    symlinkSync(outside, join(root, 'env/b.yaml'));
    await expect(writeTree(root, [file('env/a.yaml'), file('env/b.yaml')])).rejects.toThrow(/symbolic links.*flux\/env\/b.yaml/);
    await expect(writeTree(root, [file('env/a.yaml', 'kind: New\n')])).rejects.toThrow(/symbolic links.*flux\/env\/b.yaml/);
    expect(readFileSync(outside, 'utf8')).toBe('precious\n');
  });

  test('a tree that is itself a symbolic link is refused', async () => {
    const root = tree();
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    symlinkSync(outside, root);
    await expect(writeTree(root, [file('env/a.yaml')])).rejects.toThrow(/flux\/ is a symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
  });

  test('two files of one path, or a file without the generated marker, are refused', async () => {
    const root = tree();
    await expect(writeTree(root, [file('env/a.yaml'), file('env/a.yaml', 'kind: Other\n')])).rejects.toThrow(/flux\/env\/a.yaml would be written twice/);
    // Found as the file is rendered to be staged: refused as the plan refuses, nothing left behind.
    const refused = writeTree(root, [file('env/a.yaml'), { path: 'env/b.yaml', content: 'kind: X\n' }]);
    await expect(refused).rejects.toThrow(/^refusing to write \S*flux\/: \S*flux\/env\/b.yaml does not start with the "Generated by cnpg-gitops" line.*Nothing was written/);
    await expect(refused).rejects.toBeInstanceOf(WriteRefused);
    expect(existsSync(root)).toBe(false);
    expect(readdirSync(join(root, '..', '.work'))).toEqual([]);
  });

  test('a file without the generated marker is refused even when the committed file already holds its bytes', async () => {
    // A renderer that lost the marker, and a hand-written file of the same bytes where it writes:
    // the file is not the writer's, so it may not count it as its own unchanged file.
    const root = tree();
    mkdirSync(join(root, 'env'), { recursive: true });
    writeFileSync(join(root, 'env/notes.md'), 'Written by a person.\n');
    await expect(writeTree(root, [file('env/a.yaml'), { path: 'env/notes.md', content: 'Written by a person.\n' }])).rejects.toThrow(/flux\/env\/notes.md does not start with the "Generated by cnpg-gitops" line/);
    expect(contents(root)).toEqual({ 'env/notes.md': 'Written by a person.\n' });
  });

  test('cdk8s output holds only <chart>.k8s.yaml files at its top', async () => {
    const root = tree();
    await expect(writeTree(root, [{ path: 'sub/x.k8s.yaml', content: 'kind: X\n' }], 'cdk8s-manifests')).rejects.toThrow(/is not a "<chart>.k8s.yaml" file at the top/);
    writeFileSync(join((mkdirSync(root, { recursive: true }), root), 'README.md'), 'kept\n');
    writeFileSync(join(root, 'stale.k8s.yaml'), 'kind: Old\n');
    const changes = await writeTree(root, [{ path: 'chart.k8s.yaml', content: 'kind: X\n' }], 'cdk8s-manifests');
    expect(changes).toEqual({ written: ['chart.k8s.yaml'], removed: ['stale.k8s.yaml'], unchanged: [] });
    expect(contents(root)).toEqual({ 'README.md': 'kept\n', 'chart.k8s.yaml': 'kind: X\n' });
  });

  test('trees inside one another, or the work directory inside a tree, are refused', async () => {
    const root = tree();
    await expect(writeOutputs([{ root, files: [file('a.yaml')], ownership: 'generated-marker' }, { root: join(root, 'docs'), files: [], ownership: 'generated-marker' }], { workDir: join(root, '..', '.work') }))
      .rejects.toThrow(/docs\/ is inside .*flux\//);
    await expect(writeOutputs([{ root, files: [file('a.yaml')], ownership: 'generated-marker' }], { workDir: join(root, '.work') }))
      .rejects.toThrow(/the work directory .* is inside .*flux\//);
    expect(existsSync(root)).toBe(false);
  });
});

test('renderTree refuses an object placed in a file named like a kustomization file', () => {
  for (const name of ['jobs/kustomization.yaml', 'kustomization.yml', 'clusters/Kustomization']) {
    expect(() => renderTree([{ directory: 'infrastructure/data/x/develop', environment: 'develop', kustomization: true, objects: [{ file: name, manifest: { kind: 'Job' } }] }]))
      .toThrow(new RegExp(`refusing to render infrastructure/data/x/develop/${name.replace('.', '\\.')}: a generated file may not be named like kustomize's kustomization.yaml`));
  }
});

describe('a committed file known from an earlier run by its identity (device, inode, size, times)', () => {
  /** Already rendered: the checksum is what an earlier run's rendering of the same input had. */
  const rendered = (path: string, body?: string): TreeFile => {
    const { content } = file(path, body);
    return { path, content, checksum: sha256Of(content) };
  };

  /**
   * The real file system, counting reads, its clock moved: every file looks changed `ageMs` ago.
   * (With the real clock, every file a test writes stays "racily clean" for RACY_MS.)
   */
  function countingFileSystem(ageMs: number) {
    const reads: string[] = [];
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      read: (path) => {
        reads.push(path.slice(path.lastIndexOf('/') + 1));
        return nodeFileSystem.read(path);
      },
      identityOf: (path) => ({ ...nodeFileSystem.identityOf(path), changedAtMs: Date.now() - ageMs }),
    };
    return { reads, fileSystem };
  }

  /** One synthesis: a result cache file open for its duration, as src/main.ts keeps it. */
  async function run(root: string, files: readonly TreeFile[], fileSystem: FileSystem) {
    openResultCache(join(root, '..', 'results.json'));
    try {
      const [changes] = await writeOutputs([{ root, files, ownership: 'generated-marker' }], { workDir: join(root, '..', '.work'), fileSystem });
      saveResultCache();
      return changes;
    } finally {
      closeResultCache();
    }
  }

  test('is compared without reading it; edited since (same size), it is read and repaired', async () => {
    const root = tree();
    const files = [rendered('env/a.yaml'), rendered('env/b.yaml')];
    const old = countingFileSystem(60_000);
    await run(root, files, old.fileSystem);
    // The first run over the tree reads each file and remembers it ...
    expect(await run(root, files, old.fileSystem)).toEqual({ written: [], removed: [], unchanged: ['env/a.yaml', 'env/b.yaml'] });
    expect(old.reads).toEqual(['a.yaml', 'b.yaml']);
    // ... the next reads none.
    old.reads.length = 0;
    expect(await run(root, files, old.fileSystem)).toEqual({ written: [], removed: [], unchanged: ['env/a.yaml', 'env/b.yaml'] });
    expect(old.reads).toEqual([]);

    // An edit keeps the size but not the identity: the file is read and written again. (A clock
    // tick later than the last run's write: within the same tick is the racy case, above.)
    await new Promise((resolve) => setTimeout(resolve, 20));
    const path = join(root, 'env/a.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('kind: X', 'kind: Y'));
    expect(await run(root, files, old.fileSystem)).toEqual({ written: ['env/a.yaml'], removed: [], unchanged: ['env/b.yaml'] });
    expect(old.reads).toEqual(['a.yaml']);
    expect(readFileSync(path, 'utf8')).toBe(files[0].content);
  });

  test('a file changed less than RACY_MS ago is read every time: a change within the same clock tick could keep its identity', async () => {
    const root = tree();
    const files = [rendered('env/a.yaml')];
    const recent = countingFileSystem(RACY_MS / 2);
    await run(root, files, recent.fileSystem);
    for (let again = 0; again < 2; again += 1) await run(root, files, recent.fileSystem);
    expect(recent.reads).toEqual(['a.yaml', 'a.yaml']);
  });
});
