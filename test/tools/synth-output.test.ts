import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editFile, scratchCheckout } from '../helpers/scratch-checkout';

// `npm run synth` runs the real cdk8s-cli (src/tools/synth.mjs) in a copy of the repository.
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
const CDK8S_APP_FAILED = /returned a non-zero exit code|at ChildProcess/;
/** A copy the tests below leave as it is (a passing synthesis writes nothing but dist/), made once for them. */
let unchanged: string | undefined;
const unchangedCheckout = () => (unchanged ??= scratchCheckout('synth-output'));

test('a failing npm run synth ends with the project\'s summary; cdk8s synth alone ends with cdk8s-cli\'s stack trace', () => {
  const work = scratchCheckout('synth-output');
  editFile(work, 'src/config/production.ts', 'instances: 3,', 'instances: 1,');
  const before = readFileSync(join(work, 'flux/infrastructure/data/cnpg-clusters/production/cluster.yaml'), 'utf8');

  const npm = spawnSync('npm', ['run', 'synth'], { cwd: work, encoding: 'utf8', env: ENV });
  expect(npm.status).toBe(1);
  expect(npm.stderr).toContain('[HA001] error production/Cluster/Resource (src/config/production.ts: cluster.instances): cluster has 1 instance(s), production needs at least 3');
  expect(npm.stderr.trimEnd().split('\n').at(-1)).toMatch(/^Guardrails failed: 1 error\(s\), \d+ warning\(s\)\. Nothing was written: flux\/, docs\/runbooks\/ and dist\/ are unchanged\.$/);
  expect(npm.stdout + npm.stderr).not.toMatch(CDK8S_APP_FAILED);
  expect(readFileSync(join(work, 'flux/infrastructure/data/cnpg-clusters/production/cluster.yaml'), 'utf8')).toBe(before);

  // What the wrapper leaves out: cdk8s-cli's report of the app's exit code, after the summary.
  const direct = spawnSync(join(work, 'node_modules/.bin/cdk8s'), ['synth'], { cwd: work, encoding: 'utf8', env: ENV });
  expect(direct.status).toBe(1);
  expect(direct.stderr).toMatch(/Guardrails failed: .*\nError: command "node src\/tools\/run-app\.mjs " at .* returned a non-zero exit code 1\n\s+at ChildProcess/);
});

test('a passing npm run synth passes cdk8s-cli\'s output and exit code through', () => {
  const work = unchangedCheckout();
  const npm = spawnSync('npm', ['run', 'synth'], { cwd: work, encoding: 'utf8', env: ENV });
  expect(npm.status).toBe(0);
  expect(npm.stdout).toContain('Synthesizing application');
  expect(npm.stdout).toContain('.flux-synthesis/cdk8s-out/production.k8s.yaml');
  expect(npm.stderr).toMatch(/\nflux\/: 0 written, 0 removed, \d+ unchanged; \d+ warning\(s\), 0 suppressed\./);
});

test('cdk8s-cli\'s other errors keep their message and exit code', () => {
  const work = unchangedCheckout();
  const npm = spawnSync('npm', ['run', 'synth', '--', '--format', 'bogus'], { cwd: work, encoding: 'utf8', env: ENV });
  expect(npm.status).toBe(1);
  expect(npm.stderr).toContain('You need to specify synthesis format either as plain or helm but received: bogus');
  expect(npm.stderr).toMatch(/\n\s+at /);
});

test('a signal to npm run synth reaches cdk8s synth, and the wrapper ends the same way', async () => {
  const work = unchangedCheckout();
  // An app that waits, so the signal surely arrives while cdk8s-cli runs it; it lets go of the
  // stderr it shares with cdk8s-cli, which the wrapper reads to the end, and ends by itself.
  const wrapper = spawn(process.execPath, ['src/tools/synth.mjs', '--app', 'exec sleep 60 2>/dev/null'], { cwd: work, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  await new Promise<void>((started) => wrapper.stdout.on('data', (chunk) => { stdout += chunk; if (stdout.includes('Synthesizing application')) started(); }));
  wrapper.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ended) => wrapper.on('close', (...result) => ended(result)));
  expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
});
