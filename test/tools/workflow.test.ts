import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { REPO_ROOT } from '../helpers/fixtures';
import { scratchCheckout } from '../helpers/scratch-checkout';

// No GitHub here: the workflow is checked for structure, its references to this repository, and
// its shell steps are run (with bash as GitHub runs them: `bash --noprofile --norc -eo pipefail`).
const PATH = '.github/workflows/cnpg-gitops.yml';
const text = readFileSync(join(REPO_ROOT, PATH), 'utf8');
const document = YAML.parseDocument(text, { uniqueKeys: true, strict: true });
const workflow = document.toJS() as { on: object; permissions: object; jobs: Record<string, { 'runs-on': string; steps: { uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: object }[] }> };
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const scripts = Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts);
const runStep = (pattern: RegExp) => steps.find((step) => step.run !== undefined && pattern.test(step.run))!;
const bash = (script: string, cwd: string) => spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, encoding: 'utf8' });

test('the workflow is well-formed YAML with jobs that run on a runner, read-only', () => {
  expect(document.errors).toEqual([]);
  expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  expect(workflow.permissions).toEqual({ contents: 'read' });
  for (const job of Object.values(workflow.jobs)) {
    expect(job['runs-on']).toMatch(/^ubuntu-/);
    for (const step of job.steps) expect(Number(step.uses !== undefined) + Number(step.run !== undefined)).toBe(1);
  }
});

test('actions are pinned by commit, with the release they are', () => {
  const uses = text.split('\n').filter((line) => /^\s+- uses: /.test(line));
  expect(uses.length).toBeGreaterThan(0);
  for (const line of uses) expect(line).toMatch(/- uses: actions\/[a-z-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
});

test('every npm script it runs exists, and each shell step parses', () => {
  const named = steps.flatMap((step) => [...(step.run ?? '').matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((match) => match[1]));
  expect([...new Set(named)].sort()).toEqual(['annotate', 'synth']);
  for (const name of named) expect(scripts).toContain(name);
  for (const step of steps.filter((candidate) => candidate.run !== undefined)) {
    expect(spawnSync('bash', ['-n', '-c', step.run!], { encoding: 'utf8' }).stderr).toBe('');
  }
});

test('tests: the tools npm test needs, installed as .ci/run installs them, then npm ci and npm test', () => {
  const tools = runStep(/check-test-tools\.mjs --missing-packages/).run!;
  expect(readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8')).toContain('node src/tools/check-test-tools.mjs --missing-packages');
  expect(tools).toMatch(/apt-get install -y --no-install-recommends "\$\{missing\[@\]\}"/);
  expect(workflow.jobs.test.steps.map((step) => step.run?.trim()).filter(Boolean).slice(-2)).toEqual(['npm ci --no-audit --no-fund', 'npm test']);
});

test('guardrails: synthesis writes the report, which is annotated even when synthesis failed', () => {
  const synth = runStep(/^npm run synth$/);
  expect(synth.env).toEqual({ GUARDRAIL_REPORT: 'report.json' });
  const annotate = runStep(/npm run annotate/);
  expect(annotate.run).toBe('npm run annotate -- report.json');
  expect(annotate.if).toBe("${{ !cancelled() && hashFiles('report.json') != '' }}");
  const order = workflow.jobs.guardrails.steps.map((step) => step.run ?? step.uses);
  expect(order.indexOf(synth.run)).toBeLessThan(order.indexOf(annotate.run));
});

test('drift: the step fails on a changed or new generated file and annotates each, and passes on the committed tree', () => {
  const drift = runStep(/git diff --exit-code/).run!;
  const work = scratchCheckout('workflow-drift', { git: true });
  const clean = bash(drift, work);
  expect(clean.status).toBe(0);
  expect(clean.stdout).not.toContain('::error');

  appendFileSync(join(work, 'flux/clusters/production/cnpg-clusters.yaml'), '# edited by hand\n');
  writeFileSync(join(work, 'docs/runbooks/production/new.md'), 'not committed\n');
  const drifted = bash(drift, work);
  expect(drifted.status).toBe(1);
  expect(drifted.stdout).toContain('::error file=flux/clusters/production/cnpg-clusters.yaml,title=generated file out of date::');
  expect(drifted.stdout).toContain('::error file=docs/runbooks/production/new.md,title=generated file out of date::');
  expect(execFileSync('git', ['status', '--porcelain'], { cwd: work, encoding: 'utf8' })).toContain('docs/runbooks/production/new.md');
});
