#!/usr/bin/env node
// `npm run bench`: wall times as medians of repeated runs, with the floors measured in the same
// run (a bare node process, loading cdk8s and constructs, `cdk8s --version`, writing the same
// files and nothing else), so the ratios stay meaningful on a noisy machine. (a) the shipped
// estate, in a scratch copy of the project, with the result cache of src/result-cache.ts warm
// (what every run after the first finds) and cold (a fresh clone), in rounds that run each step
// and its floors once, the ratios taken within each round; (b1) one database per
// environment with 100, 200 and 300 pending migrations: the cost of a rendered migration; (b2)
// 10, 25 and 50 databases per environment with 300 migrations each, the newest 6 pending: the
// large estate, into an empty tree (cold cache) and again over it, as a pull request (warm and
// cold cache).
// Settings (environment): BENCH_RUNS (default 9) rounds of (a);
// BENCH_LARGE_RUNS (default 3) runs per median in (b1) and (b2). Progress goes to stderr, each
// step (or round of (a)) as it starts and each run as it ends, outside the timed part; the
// results to stdout.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
function setting(name, fallback) {
  const value = process.env[name] ?? String(fallback);
  if (!/^[1-9]\d*$/.test(value)) {
    process.stderr.write(`npm run bench: ${name} must be a whole number of runs, at least 1 (got "${value}"; default ${fallback})\n`);
    process.exit(2);
  }
  return Number(value);
}
const runs = setting('BENCH_RUNS', 9);
const largeRuns = setting('BENCH_LARGE_RUNS', 3);
const started = Date.now();
/** `[1:23] cdk8s synth (end to end): run 4/9` on stderr: on a terminal it overwrites itself. */
function progress(step, done, total) {
  const elapsed = Math.round((Date.now() - started) / 1000);
  const line = `[${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}] ${step}${total === undefined ? '' : `: run ${done}/${total}`}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  else if (done === 0 || done === total) process.stderr.write(`${line}\n`);
}
/** A result line on stdout, after clearing the progress line of a terminal. */
function say(line) {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  process.stdout.write(`${line}\n`);
}
process.stderr.write(`npm run bench: BENCH_RUNS=${runs} (rounds of (a), each running every step and floor once), BENCH_LARGE_RUNS=${largeRuns} (of (b1) and (b2)); progress below, results on stdout\n`);
mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'cnpg-bench-'));
// The trees of (b1) and (b2) are written to the disk (the project's), not to the temporary
// directory, which may be in memory. Every run keeps its own until the benchmark ends: ext4
// without a journal (this machine's disk) reuses no inode freed in the last few minutes and scans
// past each one for every file it creates (perf: find_inode_bit → recently_deleted), so removing
// a run's thousands of files made creating the next run's files several times slower. A fresh
// clone in CI has removed nothing.
const largeRoot = mkdtempSync(join(root, 'node_modules/.cache/cnpg-large-'));
for (const entry of ['cdk8s.yaml', 'package.json', 'package-lock.json', 'src', 'imports', 'migrations', 'flux']) cpSync(join(root, entry), join(work, entry), { recursive: true });
// The packages are the project's, linked one by one: the copy's own .cache (its bundles and result
// cache, named after its path by src/tools/run-app.mjs) goes with it instead of piling up in the project's.
mkdirSync(join(work, 'node_modules'));
for (const entry of readdirSync(join(root, 'node_modules')).filter((name) => name !== '.cache')) symlinkSync(join(root, 'node_modules', entry), join(work, 'node_modules', entry));
const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
/** A result cache file that does not exist yet: the run computes everything (a fresh clone). */
let coldCaches = 0;
const coldCache = () => ({ ...env, CNPG_GITOPS_RESULT_CACHE: join(work, `cold-results-${coldCaches += 1}.json`) });
const cdk8s = join(root, 'node_modules/.bin/cdk8s');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function run(command, args, runEnv = env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: work, env: runEnv, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

/**
 * Runs each of `steps` once per round, in the same order, for `runs` rounds: a host that slows
 * down or speeds up during the run then shifts every step alike, so the medians stay comparable
 * and the ratio of two steps taken within each round (`pairedRatio`) cancels the drift.
 */
function rounds(label, steps) {
  const times = steps.map(() => []);
  progress(label, 0, runs);
  for (let round = 0; round < runs; round += 1) {
    steps.forEach(({ command, args, before = () => {}, runEnv = () => env }, index) => {
      before();
      times[index].push(run(command, args, runEnv()).ms);
    });
    progress(label, round + 1, runs);
  }
  return times;
}
/** The median of `times[i] / floors[i]` over the rounds. */
const pairedRatio = (times, floors) => median(times.map((ms, index) => ms / floors[index]));
/** The same comparison unpaired, printed next to it: the two differ when the host drifts. */
const ratioOfMedians = (times, floors) => median(times) / median(floors);

try {
  const touchSource = () => utimesSync(join(work, 'src/main.ts'), new Date(), new Date());
  const app = { command: process.execPath, args: ['src/tools/run-app.mjs'] };
  const [floor, loadFloor, version, changedApp, coldApp, warmApp, synth] = rounds('(a) rounds of the floors, the app and cdk8s synth', [
    { command: process.execPath, args: ['-e', '0'] },
    { command: process.execPath, args: ['-e', "require('cdk8s');require('constructs')"] },
    { command: cdk8s, args: ['--version'] },
    { ...app, before: touchSource },
    { ...app, runEnv: coldCache },
    app,
    { command: cdk8s, args: ['synth'] },
  ]);
  say(`(a) shipped estate, tree up to date: median of ${runs} rounds, each running every line once in this order, ms`);
  for (const [name, times] of [
    ['node -e 0 (process floor)', floor],
    ["require('cdk8s') + require('constructs') (load floor)", loadFloor],
    ['cdk8s --version (CLI floor)', version],
    ['app, source changed: bundle rebuilt', changedApp],
    ['app, cold result cache (a fresh clone)', coldApp],
    ['app (bundle and result cache reused)', warmApp],
    ['cdk8s synth (end to end)', synth],
  ]) say(`  ${name.padEnd(54)} ${median(times).toFixed(0).padStart(6)}`);
  say(`  app / load floor: ${pairedRatio(warmApp, loadFloor).toFixed(2)} (target ≤ 2.5); after a source change ${pairedRatio(changedApp, loadFloor).toFixed(2)}, cold ${pairedRatio(coldApp, loadFloor).toFixed(2)} (medians of each round's ratio; ratios of the medians ${ratioOfMedians(warmApp, loadFloor).toFixed(2)}, ${ratioOfMedians(changedApp, loadFloor).toFixed(2)}, ${ratioOfMedians(coldApp, loadFloor).toFixed(2)})`);
  say(`  cdk8s synth / cdk8s --version: ${pairedRatio(synth, version).toFixed(2)} (target ≤ 1.4; median of each round's ratio; ratio of the medians ${ratioOfMedians(synth, version).toFixed(2)})`);

  const scratch = () => mkdtempSync(join(largeRoot, 'run-'));
  const large = (dir, runEnv, ...shape) => {
    const result = run(process.execPath, ['src/tools/run-app.mjs', 'src/tools/bench-large.ts', dir, ...shape.map(String)], runEnv);
    return { wall: result.ms, ...JSON.parse(result.stdout) };
  };
  const summary = (samples) => ({
    ...samples[0],
    wall: median(samples.map((s) => s.wall)),
    synthesis: median(samples.map((s) => s.milliseconds)),
    rss: Math.max(...samples.map((s) => s.maxRssMiB)),
  });

  say(`(b1) cost of a rendered migration: one database per environment, every migration pending, into an empty tree: median of ${largeRuns} runs`);
  const points = [];
  for (const perDatabase of [100, 200, 300]) {
    const step = `(b1) ${perDatabase} migrations per database`;
    progress(step, 0, largeRuns);
    const point = summary(Array.from({ length: largeRuns }, (_, index) => {
      const sample = large(scratch(), coldCache(), perDatabase);
      progress(step, index + 1, largeRuns);
      return sample;
    }));
    points.push(point);
    say(`  ${String(point.rendered).padStart(5)} rendered migrations, ${String(point.files).padStart(5)} files: synthesis ${point.synthesis.toFixed(0).padStart(5)} ms, process ${point.wall.toFixed(0).padStart(5)} ms, peak RSS ${point.rss.toFixed(0)} MiB`);
  }
  const perMigration = (points[2].synthesis - points[0].synthesis) / (points[2].rendered - points[0].rendered);
  say(`  cost per rendered migration (slope): ${perMigration.toFixed(2)} ms (its Backup, Job, Role, RoleBinding, ServiceAccount, SQL ConfigMap, runbook, their YAML and guardrail checks)`);

  say(`(b2) the large estate: 3 environments × N databases × 300 migrations each, the newest 6 of each database pending (the rest settled): median of ${largeRuns} runs`);
  const estates = [];
  for (const databases of [10, 25, 50]) {
    const step = `(b2) ${databases} databases per environment`;
    progress(step, 0, largeRuns);
    const samples = Array.from({ length: largeRuns }, (_, index) => {
      const dir = scratch();
      // A fresh repository (cold cache), then pull requests over its tree: a fresh clone in CI
      // (cold), the first run after the tree was written (warm: it reads every file, which it
      // had only written, and remembers it), and every run after that (later).
      const warm = { ...env, CNPG_GITOPS_RESULT_CACHE: join(dir, 'results.json') };
      const first = large(dir, warm, 300, databases, 6);
      const cold = large(dir, coldCache(), 300, databases, 6);
      const again = large(dir, warm, 300, databases, 6);
      const later = large(dir, warm, 300, databases, 6);
      // The same trees written again by src/tools/write-floor.ts and nothing else: directories
      // made, files written and flushed, directories flushed, as synthesis does. Reading the
      // trees is not timed.
      const { stdout } = run(process.execPath, ['src/tools/run-app.mjs', 'src/tools/write-floor.ts', join(dir, 'out'), join(dir, 'floor')]);
      progress(step, index + 1, largeRuns);
      return { first, cold, again, later, floor: JSON.parse(stdout) };
    });
    const first = summary(samples.map((s) => s.first));
    const cold = summary(samples.map((s) => s.cold));
    const again = summary(samples.map((s) => s.again));
    const later = summary(samples.map((s) => s.later));
    const floor = { ...samples[0].floor, milliseconds: median(samples.map((s) => s.floor.milliseconds)) };
    estates.push({ first, cold, again, later, floor });
    say(`  ${String(first.databases).padStart(3)} databases, ${String(first.migrations).padStart(5)} migrations (${first.rendered} rendered), ${first.files} files:`
      + ` into an empty tree ${first.wall.toFixed(0).padStart(5)} ms (synthesis ${first.synthesis.toFixed(0)}; write floor ${floor.milliseconds.toFixed(0)});`
      + ` over the existing tree ${later.wall.toFixed(0).padStart(5)} ms (synthesis ${later.synthesis.toFixed(0)}, ${later.written} files written; the first run after writing it ${again.wall.toFixed(0)} ms), with a cold cache ${cold.wall.toFixed(0)} ms;`
      + ` peak RSS ${Math.max(first.rss, cold.rss, again.rss, later.rss).toFixed(0)} MiB`);
  }
  const [small, , big] = estates;
  const perDatabase = (big.later.synthesis - small.later.synthesis) / (big.later.databases - small.later.databases);
  say(`  cost per database (slope 30 → 150 databases, over the existing tree): ${perDatabase.toFixed(1)} ms (its cluster, object store, credentials, backups, monitoring, Flux stages, 6 pending migrations; its 294 settled migrations are bookkeeping)`);
  say(`  write floor: making ${big.floor.directories} directories and writing and flushing ${big.floor.files} files (the large estate's trees), nothing else, takes ${big.floor.milliseconds.toFixed(0)} ms on this machine`);
  say(`  ${big.first.databases} databases, ${big.first.migrations} migrations: ${(big.later.wall / 1000).toFixed(2)} s per pull request over the existing tree (target ≤ 2 s; ${(big.again.wall / 1000).toFixed(2)} s for the first run after the tree was written, ${(big.cold.wall / 1000).toFixed(2)} s with a cold cache as in CI), ${(big.first.wall / 1000).toFixed(2)} s into an empty tree (target ≤ 5 s; ${((big.first.wall - big.floor.milliseconds) / 1000).toFixed(2)} s above the write floor); peak RSS ${Math.max(big.first.rss, big.cold.rss, big.again.rss, big.later.rss).toFixed(0)} MiB (target ≤ 1024)`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(largeRoot, { recursive: true, force: true });
}
