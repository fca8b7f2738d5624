#!/usr/bin/env node
// Runs a TypeScript entry point (default: src/main.ts, the cdk8s app of cdk8s.yaml) by bundling
// it with esbuild. Bundling takes a fraction of a second where ts-node takes seconds; the types
// are checked by tsc in `npm test`.
import { buildSync } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const entry = resolve(process.argv[2] ?? join(root, 'src/main.ts'));
const outfile = join(root, 'node_modules/.cache/cnpg-gitops', `${entry.replace(/[^a-z0-9]+/gi, '-')}.cjs`);
mkdirSync(join(root, 'node_modules/.cache/cnpg-gitops'), { recursive: true });
buildSync({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'error',
});
process.chdir(root);
createRequire(import.meta.url)(outfile);
