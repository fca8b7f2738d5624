import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/fixtures';
import { runTypeScript } from '../helpers/run-typescript';

/** The README's "Using the constructs" section: its snippet, type-checked and run, and the errors it documents for a broken variant. */
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const section = README.slice(README.indexOf('\n## Using the constructs\n')).split(/\n## /)[1];
const blockOf = (language: string) => section.match(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``))![1];
const snippet = blockOf('ts');
/** The error lines the README shows, each with `…` where it leaves text out. */
const documented = blockOf('text').trim().split('\n').slice(1).map((line) => line.trim());

/** The snippet with one value replaced, checking the README still holds the value replaced. */
function replaced(source: string, from: string, to: string): string {
  expect(source.split(from)).toHaveLength(2);
  return source.replace(from, to);
}

const ids = (lines: readonly string[]) => lines.flatMap((line) => line.match(/\] \[([A-Z]{2,3}\d{3})\] error /)?.[1] ?? []).sort();

test('the README documents a snippet and the errors of its broken variant', () => {
  expect(snippet).toMatch(/from 'cnpg-gitops'/);
  expect(ids(documented)).toEqual(['BKP003', 'HA001']);
});

test('the snippet type-checks against the library\'s types', () => {
  // Inside the checkout, so `cdk8s` resolves to its node_modules, as in an app that installed the library.
  const directory = join(REPO_ROOT, 'node_modules/.cache/cnpg-gitops', `readme-${process.pid}`);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'app.ts'), snippet);
  writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify({ extends: join(REPO_ROOT, 'tsconfig.json'), compilerOptions: { types: ['node'] }, include: [], files: ['app.ts'] }));
  const typeCheck = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', directory], { encoding: 'utf8' });
  rmSync(directory, { recursive: true });
  expect(typeCheck.stdout + typeCheck.stderr).toBe('');
  expect(typeCheck.status).toBe(0);
});

test('the snippet runs: App.synth() writes the chart', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'readme-snippet-'));
  const run = runTypeScript({ source: snippet, resolveDir: REPO_ROOT }, cwd);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(readdirSync(join(cwd, 'dist'))).toEqual(['orders.k8s.yaml']);
  expect(readFileSync(join(cwd, 'dist/orders.k8s.yaml'), 'utf8')).toMatch(/^kind: ScheduledBackup\n/m);
});

test('with one instance and a five-field cron, App.synth() fails with exactly the errors the README shows', () => {
  const broken = replaced(replaced(snippet, 'instances: 3', 'instances: 1'), "schedule: '0 0 3 * * *'", "schedule: '0 3 * * *'");
  const run = runTypeScript({ source: broken, resolveDir: REPO_ROOT }, mkdtempSync(join(tmpdir(), 'readme-snippet-')));
  expect(run.status).toBe(1);
  const errors = run.stderr.split('\n').filter((line) => / error /.test(line)).map((line) => line.trim());
  expect(ids(errors)).toEqual(ids(documented));
  for (const line of documented) {
    const pieces = line.split('…').map((piece) => piece.trim()).filter((piece) => piece !== '');
    const shown = errors.find((error) => error.startsWith(pieces[0]));
    expect(shown).toBeDefined();
    let from = 0;
    for (const piece of pieces) {
      from = shown!.indexOf(piece, from);
      expect([piece, from >= 0]).toEqual([piece, true]);
    }
  }
});
