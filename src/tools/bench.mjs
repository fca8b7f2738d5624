#!/usr/bin/env node
// `npm run bench`: wall time of synthesis, as medians of repeated runs, with the floors measured
// in the same run (a bare node process and `cdk8s --version`), so the ratios stay meaningful
// on a noisy machine. Runs in a scratch copy of the project; the committed tree is not touched.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const work = mkdtempSync(join(tmpdir(), 'cnpg-bench-'));
for (const entry of ['cdk8s.yaml', 'package.json', 'package-lock.json', 'src', 'imports', 'migrations', 'flux']) cpSync(join(root, entry), join(work, entry), { recursive: true });
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
const cdk8s = join(root, 'node_modules/.bin/cdk8s');

function median(command, args, before = () => {}) {
  const times = [];
  for (let run = 0; run < runs; run += 1) {
    before();
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: work, env, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

try {
  const floor = median(process.execPath, ['-e', '0']);
  const version = median(cdk8s, ['--version']);
  const touchSource = () => utimesSync(join(work, 'src/main.ts'), new Date(), new Date());
  const coldApp = median(process.execPath, ['src/tools/run-app.mjs'], touchSource);
  const app = median(process.execPath, ['src/tools/run-app.mjs']);
  const synth = median(cdk8s, ['synth']);
  const rows = [
    ['node -e 0 (process floor)', floor],
    ['cdk8s --version (CLI floor)', version],
    ['app, source changed: bundle + synthesize', coldApp],
    ['app, bundle reused: synthesize 3 environments', app],
    ['cdk8s synth (end to end)', synth],
  ];
  console.log(`median of ${runs} runs, ms`);
  for (const [name, ms] of rows) console.log(`${name.padEnd(44)} ${ms.toFixed(0).padStart(6)}`);
  console.log(`app part above the process floor: ${(app - floor).toFixed(0)} ms, ${(coldApp - floor).toFixed(0)} ms after a source change (target ≤ 500 ms)`);
  console.log(`cdk8s synth / cdk8s --version: ${(synth / version).toFixed(2)} (target ≤ 1.5)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
