import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { renderPlan } from '../src/plan';
import { renderEnvironments } from '../src/synthesize';
import { estate, REPO_ROOT, withEnvironment } from './helpers/fixtures';

function files(environments?: readonly unknown[]): Map<string, string> {
  const outcome = renderEnvironments(environments ? estate(environments) : estate());
  if (outcome.status !== 'rendered') throw new Error(JSON.stringify(outcome));
  return new Map(outcome.files.map((file) => [file.path, file.content]));
}

test('no change says so', () => {
  expect(renderPlan(files(), files())).toBe('## cnpg-gitops plan\n\nNo change to clusters, migrations, backups, restores or suppressions.\n');
});

test('a reviewer reads what changes per environment: clusters, migrations, backups, restores, suppressions', () => {
  const before = files(withEnvironment('production', (env) => { env.migrations!.applied = env.migrations!.applied.slice(0, 4); }));
  const after = files(withEnvironment('production', (env) => {
    env.cluster.instances = 5;
    env.backup.schedule = '0 0 2 * * *';
    env.suppressions = [{ id: 'HA003', reason: 'sized by the platform team, see ADR-12' }];
    env.restores = [{ name: 'app-db-restored', target: { restorePoint: '0004-index-email-normalized', backupId: '20261123T100000' }, verify: [] }];
  }));
  const plan = renderPlan(before, after);
  expect(plan).toContain('### production');
  expect(plan).not.toContain('### develop');
  expect(plan).toContain('- cluster app-db changes: spec.instances: 3 → 5');
  expect(plan).toContain('- new **migration** 0005-drop-email (release 1.5.0, contract; rollback: pitr,forward-fix): **runs once** on app-db, after 0004-index-email-normalized');
  expect(plan).toContain('- scheduled backup app-db-scheduled changes: spec.schedule: "0 0 3 * * *" → "0 0 2 * * *"');
  expect(plan).toContain('- **restore** of app-db into new cluster app-db-restored, to restore point before-0004-index-email-normalized from base backup 20261123T100000');
  expect(plan).toMatch(/\n- suppression HA003 on \d+ object\(s\) \(.* and \d+ more\): sized by the platform team, see ADR-12\n/);
  expect(plan).not.toContain('migration 0001-create-users');
  expect(plan).toMatch(/\d+ other object\(s\) added, changed or removed/);
});

test('a removed migration and cluster are named, with what Flux does about the cluster', () => {
  const before = files();
  const after = files(withEnvironment('develop', (env) => { env.cluster.name = 'app-db-2'; env.migrations!.applied = env.migrations!.applied.slice(0, 4); }));
  const plan = renderPlan(before, after);
  expect(plan).toContain('### develop');
  expect(plan).toContain('- **removed** migration 0005-drop-email (settled, or no longer applied)');
  expect(plan).toContain('- **removed** cluster app-db (Flux leaves the Cluster running: prune is disabled)');
  expect(plan).toContain('- **new cluster** app-db-2 (1 instance(s))');
});

test('the migration timeline shows releases, the expand a contract completes and the staging validations', () => {
  const outcome = renderEnvironments(estate());
  if (outcome.status !== 'rendered') throw new Error(outcome.status);
  const production = outcome.runbooks.find((file) => file.path === 'production/timeline.md')!.content;
  expect(production).toContain('```mermaid\nflowchart LR');
  expect(production).toContain('subgraph r2["release 1.5.0"]');
  expect(production).toContain('m0002_add_email_normalized -. completed by .-> m0005_drop_email');
  expect(production).toContain('vm0005_drop_email(["staging 2026-11-19<br/>clone of 2026-11-16"]) -.-> m0005_drop_email');
  const develop = outcome.runbooks.find((file) => file.path === 'develop/timeline.md')!.content;
  expect(develop).not.toContain('staging 2026');
});

test('an environment-level suppression is one line, with the number of objects it covers', () => {
  const reason = 'develop data is disposable: weekly base backups';
  const plan = renderPlan(files(), files(withEnvironment('develop', (env) => { env.suppressions = [{ id: 'BKP004', reason }]; })));
  const lines = plan.split('\n').filter((line) => line.includes('BKP004'));
  expect(lines).toHaveLength(1);
  const covered = Number(/^- suppression BKP004 on (\d+) object\(s\) \(\w+ [-\w]+, \w+ [-\w]+ and \d+ more\): (.*)$/.exec(lines[0])![1]);
  // Every object of develop's directories carries the annotation.
  const annotated = [...files(withEnvironment('develop', (env) => { env.suppressions = [{ id: 'BKP004', reason }]; })).values()]
    .join('\n').split(`suppressed: "BKP004: ${reason}"`).length - 1;
  expect(covered).toBe(annotated);
  expect(covered).toBeGreaterThan(10);
  expect(lines[0].endsWith(reason)).toBe(true);
  // Nothing else about develop: the annotation is its only change.
  expect(plan).not.toContain('changes:');
});

test('a long value shows where it differs, so the two sides never look equal', () => {
  const image = (digest: string) => `ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie@sha256:${digest}`;
  const before = files(withEnvironment('develop', (env) => { env.cluster.imageName = image('0'.repeat(32) + 'a'.repeat(32)); }));
  const after = files(withEnvironment('develop', (env) => { env.cluster.imageName = image('0'.repeat(32) + 'b'.repeat(32)); }));
  const line = renderPlan(before, after).split('\n').find((candidate) => candidate.startsWith('- cluster app-db changes:'))!;
  const [, left, right] = /spec\.imageName: (\S+) → (\S+)/.exec(line)!;
  expect(left).not.toBe(right);
  expect(left).toContain('0a');
  expect(right).toContain('0b');
  expect(left.length).toBeLessThan(80);
});

test('a volume that shrinks is flagged: CNPG refuses it on an existing cluster', () => {
  const plan = renderPlan(files(), files(withEnvironment('develop', (env) => {
    env.cluster.storageSize = '2Gi';
    env.suppressions = [{ id: 'CLU002', reason: 'develop is re-created empty, data is disposable' }];
  })));
  expect(plan).toContain('- cluster app-db changes: spec.storage.size: "5Gi" → "2Gi"');
  expect(plan).toContain('- **cluster app-db cannot change:** its data volume would shrink 5Gi → 2Gi, which CNPG refuses on an existing cluster (CLU002)');
  const grown = renderPlan(files(), files(withEnvironment('develop', (env) => { env.cluster.storageSize = '10Gi'; })));
  expect(grown).toContain('spec.storage.size: "5Gi" → "10Gi"');
  expect(grown).not.toContain('cannot change');
});

test('a ref that names no commit is one clear line, no stack trace', () => {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'src/tools/run-app.mjs'), join(REPO_ROOT, 'src/tools/plan.ts'), 'no-such-branch'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(/^npm run plan: "no-such-branch" names no commit of this repository .*; give a branch, tag or commit, e.g\. npm run plan -- origin\/main$/),
  ]);
});
