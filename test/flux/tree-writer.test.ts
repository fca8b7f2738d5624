import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATED_MARKER, renderTree, writeTree } from '../../src/flux/tree-writer';

const file = (path: string, body = 'kind: X\n') => ({ path, content: `${GENERATED_MARKER} test\n${body}` });

function tree(): string {
  return mkdtempSync(join(tmpdir(), 'flux-tree-'));
}

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
  expect(files[1].content).toBe(`${GENERATED_MARKER} from src/config/develop.ts. Do not edit: change the config and run \`npm run synth\`.\nkind: B\nmetadata:\n  name: one\n---\nkind: B\nmetadata:\n  name: two\n`);
  expect(files[2].content).toContain('resources:\n  - a.yaml\n  - b.yaml\n');
});

test('writes new files, leaves unchanged ones alone and removes generated files no longer produced', () => {
  const root = tree();
  writeTree(root, [file('env/a.yaml'), file('env/b.yaml'), file('old/gone.yaml')]);
  const changes = writeTree(root, [file('env/a.yaml'), file('env/b.yaml', 'kind: Changed\n')]);
  expect(changes).toEqual({ written: ['env/b.yaml'], removed: ['old/gone.yaml'], unchanged: ['env/a.yaml'] });
  expect(readFileSync(join(root, 'env/b.yaml'), 'utf8')).toContain('kind: Changed');
  expect(existsSync(join(root, 'old'))).toBe(false);
});

test('never touches a hand-written file, even in a generated directory', () => {
  const root = tree();
  writeTree(root, [file('env/a.yaml'), file('env/stale.yaml')]);
  writeFileSync(join(root, 'env/notes.yaml'), 'hand: written\n');
  writeTree(root, [file('env/a.yaml')]);
  expect(readFileSync(join(root, 'env/notes.yaml'), 'utf8')).toBe('hand: written\n');
  expect(existsSync(join(root, 'env/stale.yaml'))).toBe(false);
});

test('fails when a generated file would overwrite a hand-written one, and writes nothing', () => {
  const root = tree();
  mkdirSync(join(root, 'env'));
  writeFileSync(join(root, 'env/a.yaml'), 'hand: written\n');
  expect(() => writeTree(root, [file('env/new.yaml'), file('env/a.yaml')])).toThrow(/refusing to overwrite hand-written files .*env\/a.yaml/);
  expect(existsSync(join(root, 'env/new.yaml'))).toBe(false);
  expect(readFileSync(join(root, 'env/a.yaml'), 'utf8')).toBe('hand: written\n');
});

test('a failure while writing aside leaves the tree as it was and no temporary files', () => {
  const root = tree();
  writeTree(root, [file('env/a.yaml')]);
  // A directory where a file must go makes the write fail after the first file was written aside.
  mkdirSync(join(root, 'env/b.yaml'));
  expect(() => writeTree(root, [file('env/a.yaml', 'kind: New\n'), file('env/b.yaml')])).toThrow();
  expect(readFileSync(join(root, 'env/a.yaml'), 'utf8')).toBe(`${GENERATED_MARKER} test\nkind: X\n`);
  expect(require('node:fs').readdirSync(join(root, 'env'))).toEqual(['a.yaml', 'b.yaml']);
});
