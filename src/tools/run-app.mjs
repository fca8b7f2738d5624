#!/usr/bin/env node
// Runs a TypeScript entry point (default: src/main.ts, the cdk8s app of cdk8s.yaml) by bundling
// it with esbuild. Bundling takes ~0.2 s where ts-node takes ~9 s, and the bundle is reused while
// no file under src/, imports/ or test/ (nor the lockfile) is newer than it. Types are checked by tsc
// in `npm test`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';

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
  // Tests run helpers through this script too (test/helpers/synthesize-checkout.ts).
  if (existsSync(join(root, 'test'))) walk(join(root, 'test'));
  return newest;
}

/**
 * Fingerprint of the code whose results src/result-cache.ts keeps across runs: every module that
 * imports it, everything those import, and the lockfile (the SQL parser's version). A change to
 * any of them starts a new cache file; a change elsewhere (an environment config) keeps it.
 */
function resultCodeFingerprint(inputs) {
  const cache = 'src/result-cache.ts';
  if (inputs[cache] === undefined) return undefined;
  const pending = Object.keys(inputs).filter((path) => inputs[path].imports.some((imported) => imported.path === cache));
  const closure = new Set();
  while (pending.length > 0) {
    const path = pending.pop();
    if (closure.has(path)) continue;
    closure.add(path);
    for (const imported of inputs[path].imports) if (inputs[imported.path] !== undefined) pending.push(imported.path);
  }
  const hash = createHash('sha256').update(readFileSync(join(root, 'package-lock.json')));
  for (const path of [...closure].sort()) hash.update(`\0${path}\0`).update(readFileSync(join(root, path)));
  return hash.digest('hex').slice(0, 16);
}

// The bundle is written aside and renamed into place, so a run started meanwhile executes the
// previous bundle or this one, never half of one. It is dated from before the build read the
// sources: a source saved during the build makes the next run build again. Its first line names
// its result cache, so the two never mismatch (a test may name another).
if (!existsSync(outfile) || statSync(outfile).mtimeMs <= newestInput()) {
  const { buildSync } = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const started = new Date();
  const { outputFiles: [bundle], metafile } = buildSync({
    entryPoints: [entry],
    outfile,
    absWorkingDir: root,
    write: false,
    metafile: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });
  // One cache file per entry point (the app and the benchmark keep apart what they compute).
  const fingerprint = resultCodeFingerprint(metafile.inputs);
  const cachePrefix = `${basename(outfile, '.cjs')}.results-`;
  const cacheFile = fingerprint && `${cachePrefix}${fingerprint}.json`;
  for (const name of readdirSync(cacheDir).filter((file) => file.startsWith(cachePrefix) && file.endsWith('.json') && file !== cacheFile)) {
    rmSync(join(cacheDir, name), { force: true });
  }
  const written = `${outfile}.${process.pid}.new`;
  // After the bundle's "use strict" directive, which must stay first.
  writeFileSync(written, bundle.text.replace(/^("use strict";\n)?/, (directive) => (cacheFile ? `${directive}process.env.CNPG_GITOPS_RESULT_CACHE ??= ${JSON.stringify(join(cacheDir, cacheFile))};\n` : directive)));
  utimesSync(written, started, started);
  renameSync(written, outfile);
}
// The app stops when whoever started it is gone: `cdk8s synth` runs it through `sh -c`, so when
// cdk8s is killed the shell lives on and only the shell's parent changes. SIGTERM lets the app
// stop cleanly (src/main.ts); an app without a handler just ends.
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
const parent = process.ppid;
const grandparent = parentOf(parent);
const watch = setInterval(() => {
  if (process.ppid !== parent || parentOf(parent) !== grandparent) {
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }
}, 200);
watch.unref();

process.chdir(root);
createRequire(import.meta.url)(outfile);
