#!/usr/bin/env node
// Runs a TypeScript entry point (default: src/main.ts, the cdk8s app of cdk8s.yaml) by bundling
// it with esbuild. Bundling takes ~0.2 s where ts-node takes ~9 s, and the bundle is reused while
// no file under src/ or imports/ (nor the lockfile) is newer than it. Types are checked by tsc
// in `npm test`.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const entry = resolve(process.argv[2] ?? join(root, 'src/main.ts'));
// The entry's own arguments follow it: hand them over as if it had been run directly.
process.argv.splice(2, 1);
const cacheDir = join(root, 'node_modules/.cache/cnpg-gitops');
const outfile = join(cacheDir, `${entry.replace(/[^a-z0-9]+/gi, '-')}.cjs`);

function newestInput() {
  let newest = statSync(join(root, 'package-lock.json')).mtimeMs;
  const walk = (directory) => {
    for (const item of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, item.name);
      if (item.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'imports'));
  return newest;
}

if (!existsSync(outfile) || statSync(outfile).mtimeMs <= newestInput()) {
  const { buildSync } = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
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
}
process.chdir(root);
createRequire(import.meta.url)(outfile);
