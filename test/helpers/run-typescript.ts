import { buildSync } from 'esbuild';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures';

/** A TypeScript program: a file, or source text whose relative imports start from `resolveDir`. */
export type TypeScriptEntry = { readonly file: string } | { readonly source: string; readonly resolveDir: string };

/**
 * Runs a TypeScript program the way a user's cdk8s app runs: bundled with esbuild (as
 * src/tools/run-app.mjs does), then `node` in `cwd`, a directory of its own. `cnpg-gitops`
 * resolves to this checkout's src/index.ts, so the program runs against the code under test
 * (test/library/package.test.ts installs the packed library itself); every other package is
 * this checkout's installed one.
 */
export function runTypeScript(entry: TypeScriptEntry, cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const bundle = join(cwd, 'app.cjs');
  buildSync({
    ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.source, resolveDir: entry.resolveDir, loader: 'ts', sourcefile: 'app.ts' } }),
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    alias: { 'cnpg-gitops': join(REPO_ROOT, 'src/index.ts') },
    logLevel: 'silent',
  });
  return spawnSync(process.execPath, [bundle], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules'), CDK8S_OUTDIR: join(cwd, 'dist'), ...env },
  });
}
