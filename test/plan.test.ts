import { renderPlan } from '../src/plan';
import { renderEnvironments } from '../src/synthesize';
import { estate, withEnvironment } from './helpers/fixtures';

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
  expect(plan).toContain('- suppression on Cluster app-db: HA003: sized by the platform team, see ADR-12');
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
