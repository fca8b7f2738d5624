import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as YAML from 'yaml';
import * as api from '../src/index';
import { REPO_ROOT } from './helpers/fixtures';
import { scratchCheckout } from './helpers/scratch-checkout';

/**
 * Every code block of README.md and docs/*.md is preceded by a marker that says what it is:
 *
 *   <!-- docs-test[ <example>]: <action>[; <modifier>]... -->
 *
 * Actions: `add to <config file>` (object fields for an environment file, an entry for the
 * migration catalog), `apply to <file>` (a diff: each run of `-` lines is replaced by the `+`
 * lines after it), `write <path>`, `migration` (SQL of a new expand migration that develop
 * applies), `program` (TypeScript using `src/index.ts` in a cdk8s Chart named `chart`: it must
 * type-check and render), `run` (shell commands, each must succeed), `output` (each line must be
 * a line of the last command's output, `…` alone skips lines, a line ending in `…` is a prefix),
 * and `not run: <why>`. Blocks with the same example name apply in order to one copy of the
 * repository, then the app synthesizes unless a `run` or `output` block ran a command already.
 * An `output` block shows what `npm run synth` prints, so that is what runs for it; after blocks
 * that only change files, the test runs the app as `cdk8s synth` runs it (the `app` command of
 * cdk8s.yaml): what cdk8s-cli adds (about 2 s to start, the same for every config) is checked by
 * test/tools/synth-output.test.ts and test/synthesize.test.ts, and by the `run` blocks here.
 * Modifiers (for the whole example): `fails` or `fails with <text> | <text>` (synthesis fails,
 * saying each text), `without <text> | <text>` (synthesis never says them), `on <RFC 3339 time>`
 * (the clock of every process, test/helpers/fixed-clock.cjs).
 *
 * Not covered: the generated docs/GUARDRAILS.md and docs/runbooks/, and the "Instead of / use"
 * fragments of docs/guardrails/<id>.md, which illustrate one field each.
 */
const DOCUMENTS = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const MARKER = /^\s*<!-- docs-test(?: ([\w-]+))?: (.*) -->\s*$/;
const FENCE = /^(\s*)```(\S*)\s*$/;
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
/** The command `cdk8s synth` runs the app with. */
const APP: string = YAML.parse(readFileSync(join(REPO_ROOT, 'cdk8s.yaml'), 'utf8')).app;

interface Block {
  readonly where: string;
  readonly example: string;
  readonly action: string;
  readonly modifiers: readonly string[];
  readonly content: string;
}

function blocksOf(document: string): { blocks: Block[]; unmarked: string[] } {
  const lines = readFileSync(join(REPO_ROOT, document), 'utf8').split('\n');
  const blocks: Block[] = [];
  const unmarked: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const fence = FENCE.exec(lines[index]);
    if (!fence) continue;
    const end = lines.findIndex((line, at) => at > index && line.trim() === '```');
    const content = lines.slice(index + 1, end).map((line) => line.slice(fence[1].length)).join('\n');
    const where = `${document}:${index + 1}`;
    const marker = MARKER.exec(lines.slice(0, index).reverse().find((line) => line.trim() !== '') ?? '');
    if (!marker) unmarked.push(where);
    else {
      const [action, ...modifiers] = marker[2].startsWith('not run:') ? [marker[2]] : marker[2].split('; ');
      blocks.push({ where, example: `${document}#${marker[1] ?? `line ${index + 1}`}`, action, modifiers, content });
    }
    index = end;
  }
  return { blocks, unmarked };
}

const parsed = DOCUMENTS.map(blocksOf);
const examples = new Map<string, Block[]>();
for (const block of parsed.flatMap((document) => document.blocks).filter((candidate) => !candidate.action.startsWith('not run: '))) {
  examples.set(block.example, [...(examples.get(block.example) ?? []), block]);
}

test('every code block of the README and docs/*.md says how it is tested, or why it is not', () => {
  expect(parsed.flatMap((document) => document.unmarked)).toEqual([]);
  const actions = /^(add to \S+|apply to \S+|write \S+|migration|program|run|output|not run: .{10,})$/;
  const modifiers = /^(fails|fails with .+|without .+|on \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/;
  for (const block of parsed.flatMap((document) => document.blocks)) {
    expect({ where: block.where, action: block.action }).toEqual({ where: block.where, action: expect.stringMatching(actions) });
    for (const modifier of block.modifiers) expect({ where: block.where, modifier }).toEqual({ where: block.where, modifier: expect.stringMatching(modifiers) });
  }
  expect(examples.size).toBeGreaterThan(10);
});

/** Fields or a catalog entry, inserted at the end of the file's exported literal (later fields win). */
function addTo(work: string, file: string, content: string): void {
  if (!content.trimEnd().endsWith(',')) throw new Error(`a block added to ${file} ends with a comma`);
  const lines = readFileSync(join(work, file), 'utf8').split('\n');
  const close = lines.findLastIndex((line) => /^[}\]] (as const )?satisfies /.test(line));
  if (close === -1) throw new Error(`${file} has no exported literal closed by "} satisfies" or "] as const satisfies"`);
  lines.splice(close, 0, ...content.split('\n').map((line) => `  ${line}`));
  writeFileSync(join(work, file), lines.join('\n'));
}

/** A diff: each run of `-` lines must occur once in the file and is replaced by the `+` lines after it; context lines only read. */
function applyTo(work: string, file: string, diff: string): void {
  let text = readFileSync(join(work, file), 'utf8');
  const changes: { from: string[]; to: string[] }[] = [];
  for (const line of diff.split('\n')) {
    if (line.startsWith('-')) {
      if (changes.length === 0 || changes.at(-1)!.to.length > 0) changes.push({ from: [], to: [] });
      changes.at(-1)!.from.push(line.slice(1));
    } else if (line.startsWith('+')) {
      if (changes.length === 0) throw new Error(`${file}: a "+" line needs "-" lines before it to say where`);
      changes.at(-1)!.to.push(line.slice(1));
    } else if (changes.length > 0 && changes.at(-1)!.to.length === 0 && changes.at(-1)!.from.length > 0) {
      throw new Error(`${file}: "-" lines must be followed by their "+" lines`);
    }
  }
  for (const { from, to } of changes) {
    const before = from.join('\n');
    if (text.split(before).length !== 2) throw new Error(`${file} must hold ${JSON.stringify(before)} exactly once`);
    text = text.replace(before, () => to.join('\n'));
  }
  writeFileSync(join(work, file), text);
}

const EXAMPLE_MIGRATION = '0900-docs-example';

function declareMigration(work: string, sql: string): void {
  mkdirSync(join(work, `migrations/${EXAMPLE_MIGRATION}`), { recursive: true });
  writeFileSync(join(work, `migrations/${EXAMPLE_MIGRATION}/up.sql`), `${sql}\n`);
  addTo(work, 'src/config/migrations.ts', [
    `{ id: '${EXAMPLE_MIGRATION}', release: '9.0.0', phase: 'expand', sql: 'migrations/${EXAMPLE_MIGRATION}/up.sql',`,
    `  rollback: { strategies: ['pitr'], steps: 'Restore to before-${EXAMPLE_MIGRATION} with PitrRestore.' } },`,
  ].join('\n'));
  applyTo(work, 'src/config/develop.ts', `-'0005-drop-email'],\n+'0005-drop-email', '${EXAMPLE_MIGRATION}'],`);
}

/** The block as a program: in a cdk8s Chart named chart, importing what it uses from src/index.ts; type-checked, then run. */
function program(work: string, content: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const used = Object.keys(api).filter((name) => new RegExp(`\\b${name}\\b`).test(content));
  writeFileSync(join(work, 'src/docs-example.ts'), [
    "import { App, Chart } from 'cdk8s';",
    `import { ${used.join(', ')} } from './index';`,
    '',
    "const chart = new Chart(new App(), 'docs-example');",
    content,
    'chart.toJson();',
    '',
  ].join('\n'));
  writeFileSync(join(work, 'tsconfig.docs-example.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src/docs-example.ts'] }));
  const types = spawnSync(join(work, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.docs-example.json'], { cwd: work, encoding: 'utf8', env });
  if (types.status !== 0) return { status: types.status, output: `tsc: ${types.stdout}${types.stderr}` };
  const run = spawnSync(process.execPath, ['src/tools/run-app.mjs', 'src/docs-example.ts'], { cwd: work, encoding: 'utf8', env });
  return { status: run.status, output: run.stdout + run.stderr };
}

function shell(work: string, command: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-c', command], { cwd: work, encoding: 'utf8', env });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** Fails with the command's whole output when it did not end as expected. */
function expectStatus(where: string, command: string, result: { status: number | null; output: string }, expected: 'success' | 'failure'): void {
  if ((result.status === 0) !== (expected === 'success')) throw new Error(`${where}: \`${command}\` exited ${result.status}, expected ${expected}:\n${result.output}`);
}

/** Each line of the block is a line of the output: `…` alone skips lines, a trailing `…` makes a prefix. */
function missingLines(expected: string, output: string): string[] {
  const lines = output.split('\n').map((line) => line.trimEnd());
  return expected.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '' && line !== '…').filter((line) => (
    line.endsWith('…') ? !lines.some((candidate) => candidate.startsWith(line.slice(0, -1).trimEnd())) : !lines.includes(line)
  ));
}

describe.each([...examples].map(([name, blocks]) => [name, blocks] as const))('%s', (_name, blocks) => {
  const modifiers = blocks.flatMap((block) => block.modifiers);
  const fails = modifiers.some((modifier) => modifier.startsWith('fails'));
  const saying = modifiers.filter((modifier) => modifier.startsWith('fails with ')).flatMap((modifier) => modifier.slice('fails with '.length).split(' | '));
  const never = modifiers.filter((modifier) => modifier.startsWith('without ')).flatMap((modifier) => modifier.slice('without '.length).split(' | '));
  const clock = modifiers.find((modifier) => modifier.startsWith('on '))?.slice(3);

  test(blocks.map((block) => `${block.where} ${block.action}`).join(', '), () => {
    const work = scratchCheckout('docs', { git: blocks.some((block) => block.action === 'run') });
    const env = clock === undefined ? ENV : { ...ENV, FIXED_CLOCK: clock, NODE_OPTIONS: `--require ${join(REPO_ROOT, 'test/helpers/fixed-clock.cjs')}` };
    let last: { status: number | null; output: string } | undefined;
    let changed = false;
    const synthesize = (command: string) => {
      const result = shell(work, command, env);
      expectStatus(blocks.at(-1)!.where, command, result, fails ? 'failure' : 'success');
      for (const text of saying) expect(result.output).toContain(text);
      for (const text of never) expect(result.output).not.toContain(text);
      return result;
    };
    for (const block of blocks) {
      const [verb, ...rest] = block.action.split(' ');
      const target = rest.at(-1)!;
      if (block.action.startsWith('add to ')) addTo(work, target, block.content);
      else if (block.action.startsWith('apply to ')) applyTo(work, target, block.content);
      else if (verb === 'write') {
        mkdirSync(dirname(join(work, target)), { recursive: true });
        writeFileSync(join(work, target), `${block.content}\n`);
      } else if (verb === 'migration') declareMigration(work, block.content);
      if (['add', 'apply', 'write', 'migration'].includes(verb)) {
        changed = true;
        continue;
      }
      if (verb === 'program') {
        last = program(work, block.content, env);
        expectStatus(block.where, 'the block as a program', last, 'success');
      } else if (verb === 'run') {
        for (const command of block.content.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))) {
          last = shell(work, command, env);
          expectStatus(block.where, command, last, 'success');
        }
      } else if (verb === 'output') {
        last ??= synthesize('npm run synth');
        expect({ where: block.where, missing: missingLines(block.content, last.output) }).toEqual({ where: block.where, missing: [] });
      }
      changed = false;
    }
    if (changed) synthesize(APP);
  });
});
