#!/usr/bin/env node
// `npm run bench`: wall times as medians of repeated runs, with the floors measured in the same
// run (a bare node process and `cdk8s --version`), so the ratios stay meaningful on a noisy
// machine. (a) the shipped estate, in a scratch copy of the project; (b) generated estates of
// three environments with 100, 200 and 300 migrations each, to show how the cost grows.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const largeRuns = Number(process.env.BENCH_LARGE_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'cnpg-bench-'));
for (const entry of ['cdk8s.yaml', 'package.json', 'package-lock.json', 'src', 'imports', 'migrations', 'flux']) cpSync(join(root, entry), join(work, entry), { recursive: true });
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
const cdk8s = join(root, 'node_modules/.bin/cdk8s');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function run(command, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: work, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

function timed(command, args, before = () => {}) {
  return median(Array.from({ length: runs }, () => { before(); return run(command, args).ms; }));
}

try {
  const floor = timed(process.execPath, ['-e', '0']);
  const version = timed(cdk8s, ['--version']);
  const touchSource = () => utimesSync(join(work, 'src/main.ts'), new Date(), new Date());
  const coldApp = timed(process.execPath, ['src/tools/run-app.mjs'], touchSource);
  const app = timed(process.execPath, ['src/tools/run-app.mjs']);
  const synth = timed(cdk8s, ['synth']);
  console.log(`(a) shipped estate: median of ${runs} runs, ms`);
  for (const [name, ms] of [
    ['node -e 0 (process floor)', floor],
    ['cdk8s --version (CLI floor)', version],
    ['app, source changed: bundle + synthesize', coldApp],
    ['app, bundle reused: synthesize 3 environments', app],
    ['cdk8s synth (end to end)', synth],
  ]) console.log(`  ${name.padEnd(46)} ${ms.toFixed(0).padStart(6)}`);
  console.log(`  app part above the process floor: ${(app - floor).toFixed(0)} ms, ${(coldApp - floor).toFixed(0)} ms after a source change (target ≤ 500 ms)`);
  console.log(`  cdk8s synth / cdk8s --version: ${(synth / version).toFixed(2)} (target ≤ 1.5)`);

  console.log(`(b) generated estates, 3 environments, Flux tree + runbooks + dist/: median of ${largeRuns} runs`);
  const points = [];
  for (const perEnvironment of [100, 200, 300]) {
    const samples = Array.from({ length: largeRuns }, () => {
      const result = run(process.execPath, ['src/tools/run-app.mjs', 'src/tools/bench-large.ts', String(perEnvironment)]);
      return { wall: result.ms, ...JSON.parse(result.stdout) };
    });
    const point = {
      migrations: samples[0].migrations,
      files: samples[0].files,
      wall: median(samples.map((s) => s.wall)),
      synthesis: median(samples.map((s) => s.milliseconds)),
      rss: Math.max(...samples.map((s) => s.maxRssMiB)),
    };
    points.push(point);
    console.log(`  ${String(point.migrations).padStart(4)} migrations, ${String(point.files).padStart(5)} files: process ${point.wall.toFixed(0).padStart(6)} ms (${(point.wall / floor).toFixed(1)} × node floor, ${(point.wall / version).toFixed(2)} × cdk8s --version), synthesis ${point.synthesis.toFixed(0)} ms, peak RSS ${point.rss.toFixed(0)} MiB`);
  }
  const [first, , last] = points;
  const perMigration = (last.synthesis - first.synthesis) / (last.migrations - first.migrations);
  console.log(`  cost per migration (slope 300 → 900): ${perMigration.toFixed(2)} ms; 900 migrations: ${(last.wall / 1000).toFixed(2)} s (target ≤ 5 s), ${last.rss.toFixed(0)} MiB (target ≤ 1024)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
