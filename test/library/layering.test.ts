import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/fixtures';

/**
 * One direction of imports: each part of src/ may import only the parts listed before it. The
 * constructs know nothing of config files, the Flux layout or the guardrails (they register
 * invariants through src/invariants.ts); the rules depend on the constructs' facts; the config
 * layer maps environment files onto construct props; the charts and the Flux layout sit on top.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['names', 'invariants', 'values', 'stop-on-signals', 'result-cache', 'result-cache-file', 'flux/layout'],
  ['migrations'],
  ['security'],
  ['constructs'],
  ['restore'],
  ['config'],
  ['guardrails'],
  ['flux'],
  ['charts'],
  ['runbooks'],
  ['plan', 'outcome'],
  ['report'],
  ['synthesize'],
  ['main', 'index', 'tools'],
];

const SRC = join(REPO_ROOT, 'src');

/** Imports allowed against the direction, each with its reason. */
const ALLOWED = new Map([
  ['src/invariants.ts imports ./guardrails/guardrails', 'loads the guardrails at validation time when an app imported a construct alone'],
]);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry) ? [path] : [];
  });
}

/** `constructs` for src/constructs/cnpg-cluster.ts, `names` for src/names.ts; the Flux layout, pure naming, is a part of its own. */
function partOf(path: string): string {
  const module = relative(SRC, path).replace(/\.(ts|mjs)$/, '');
  return module === 'flux/layout' ? module : module.split('/')[0];
}

function layerOf(part: string): number {
  const layer = LAYERS.findIndex((parts) => parts.includes(part));
  if (layer < 0) throw new Error(`src/${part} is in no layer of test/library/layering.test.ts: add it where it belongs`);
  return layer;
}

/** Relative module specifiers of a file: static and dynamic imports, re-exports, requires. */
function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)'(\.[^']*)'/gm)].map((match) => match[1]);
}

test('every import in src/ points to the same or an earlier layer', () => {
  const wrong: string[] = [];
  const files = sourceFiles(SRC);
  for (const file of files) {
    const from = partOf(file);
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(SRC)) continue;
      const to = partOf(target);
      const edge = `${relative(REPO_ROOT, file)} imports ${specifier}`;
      if (layerOf(to) > layerOf(from) && !ALLOWED.has(edge)) wrong.push(`${edge} (${from} may not depend on ${to})`);
    }
  }
  expect(files.length).toBeGreaterThan(50);
  expect(wrong).toEqual([]);
});

test('the check sees a wrong import', () => {
  expect(importsOf("import { Guardrails } from '../guardrails/guardrails';\nexport * from './x';")).toEqual(['../guardrails/guardrails', './x']);
  expect(layerOf('constructs')).toBeLessThan(layerOf('guardrails'));
});
