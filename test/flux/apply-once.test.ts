import * as YAML from 'yaml';
import { EnvironmentConfig } from '../../src/config/types';
import { renderPlan } from '../../src/plan';
import { renderEnvironments } from '../../src/synthesize';
import { estate, shippedEnvironments, withEnvironment } from '../helpers/fixtures';

/**
 * Unrelated changes never re-create a migration Job. kustomize-controller skips an object whose
 * desired manifest carries `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent` when it exists in
 * the cluster (fluxcd/pkg ssa `shouldSkipApply`), and only re-creates an object marked
 * `kustomize.toolkit.fluxcd.io/force: enabled` when a patch fails: so a Job keeps its name, its
 * stage and that annotation, carries no force, and Flux leaves the one in the cluster alone.
 */
function rendered(environments: readonly EnvironmentConfig[]) {
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status !== 'rendered') throw new Error(JSON.stringify(outcome).slice(0, 2000));
  return outcome.files;
}

/** Every migration Job with the file (hence the Flux stage) that applies it. */
function appliedOnce(files: ReturnType<typeof rendered>) {
  return files.flatMap((file) => YAML.parseAllDocuments(file.content).map((document) => ({ path: file.path, manifest: document.toJS() })))
    .filter(({ manifest }) => manifest?.kind === 'Job' && manifest.metadata.labels?.['cnpg-gitops.io/migration']);
}

describe.each([
  ['a PostgreSQL minor bump (cluster.imageName)', 'production', withEnvironment('production', (env) => { env.cluster.imageName = 'ghcr.io/cloudnative-pg/postgresql:18.5-system-trixie'; })],
  ['a staging re-clone (cloneFrom.clonedOn)', 'staging', withEnvironment('staging', (env) => { env.cloneFrom!.clonedOn = '2026-11-23'; })],
  ['new gate settings (migrations.gateImage, maxBackupAgeMinutes)', 'develop', withEnvironment('develop', (env) => { env.migrations = { ...env.migrations!, gateImage: 'registry.internal/k8s:1.32.4', maxBackupAgeMinutes: 30 }; })],
])('%s', (_change, environment, changed) => {
  let before: ReturnType<typeof rendered>;
  let after: ReturnType<typeof rendered>;
  beforeAll(() => {
    before = rendered(shippedEnvironments());
    after = rendered(changed);
  });

  test('changes the rendered Jobs (the test is not vacuous)', () => {
    const jobs = (files: typeof before) => appliedOnce(files).filter(({ manifest }) => manifest.kind === 'Job');
    const differing = jobs(after).filter(({ path, manifest }) => path.includes(`/${environment}/`) && JSON.stringify(jobs(before).find((candidate) => candidate.path === path)?.manifest) !== JSON.stringify(manifest));
    expect(differing.length).toBeGreaterThan(0);
  });

  test('keeps every Job where it was, applied only while absent, never forced', () => {
    const old = appliedOnce(before);
    const next = appliedOnce(after);
    expect(next.map(({ path, manifest }) => `${path}|${manifest.kind}|${manifest.metadata.name}`).sort()).toEqual(old.map(({ path, manifest }) => `${path}|${manifest.kind}|${manifest.metadata.name}`).sort());
    for (const { manifest } of next) {
      expect(manifest.metadata.annotations['kustomize.toolkit.fluxcd.io/ssa']).toBe('IfNotPresent');
      expect(manifest.metadata.annotations['kustomize.toolkit.fluxcd.io/force']).toBeUndefined();
    }
  });

  test('the plan says no migration runs', () => {
    const plan = renderPlan(new Map(before.map((file) => [file.path, file.content])), new Map(after.map((file) => [file.path, file.content])));
    if (environment === 'staging') {
      expect(plan).toContain('- **re-clone** of cluster app-db: a new cluster, archiving into app-db-clone-20261123 (now app-db-clone-20261116); Flux does not replace a running cluster: follow docs/runbooks/staging/reclone.md');
    }
    expect(plan).toContain(`### ${environment}`);
    expect(plan).toMatch(/- migration 0005-drop-email: its Job changes in Git only \(\d+ field\(s\)\); Flux keeps the Job already in the cluster \(ssa: IfNotPresent\), nothing runs again/);
    expect(plan).not.toMatch(/runs once|runs on a cluster/);
    expect(plan).toContain('- no migration runs');
  });
});

test('a new migration reads as one that runs, after the migration before it', () => {
  const before = rendered(withEnvironment('production', (env) => { env.migrations = { ...env.migrations!, applied: env.migrations!.applied.slice(0, 4) }; }));
  const plan = renderPlan(new Map(before.map((file) => [file.path, file.content])), new Map(rendered(shippedEnvironments()).map((file) => [file.path, file.content])));
  expect(plan).toContain('- new **migration** 0005-drop-email (release 1.5.0, contract; rollback: pitr,forward-fix): **runs once** on app-db, after 0004-index-email-normalized, with a fresh base backup first, unless its ledger already holds it');
  expect(plan).toContain('- **runs on a cluster:** 0005-drop-email on app-db, one after the other');
});
