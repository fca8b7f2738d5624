import * as YAML from 'yaml';
import { databasesOf, pendingMigrations } from '../../src/config/databases';
import { MIGRATION_LABEL } from '../../src/names';
import { EnvironmentConfig } from '../../src/config/types';
import { renderEnvironments } from '../../src/synthesize';
import { estate, shippedEnvironments, withBillingDb } from '../helpers/fixtures';
import { AppliedObject, simulateFlux } from '../helpers/flux-simulator';

/**
 * The order in which Flux applies migrations, derived from the generated Flux objects alone (see
 * the model in test/helpers/flux-simulator.ts): for every database of every environment, each
 * pending migration's Job is created only after the previous migration's Job completed, so the
 * Jobs run in exactly the order of `migrations.applied` and a failed one stops every later one of
 * its database (and none of another's). A Job's pre-migration Backup is taken by its gate once
 * the Job runs (test/migrations/gate.test.ts), so it too comes after the previous migration.
 */

function rendered(environments: readonly EnvironmentConfig[]) {
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status !== 'rendered') throw new Error(JSON.stringify(outcome).slice(0, 2000));
  return outcome.files;
}

function settled(through: string): EnvironmentConfig[] {
  const environments = shippedEnvironments();
  for (const env of environments) env.migrations = { ...env.migrations!, settledThrough: through };
  return environments;
}

/** The migrations of one cluster, by kind, as Flux created them. */
function migrationObjects(objects: readonly AppliedObject[], kind: string, cluster: string): AppliedObject[] {
  return objects.filter((object) => object.kind === kind && object.manifest.metadata.labels?.[MIGRATION_LABEL] !== undefined
    && object.manifest.metadata.annotations?.['cnpg-gitops.io/cluster'] === cluster);
}

/** Proves a total order equal to `pending` for one database. */
function expectStrictOrder(environments: readonly EnvironmentConfig[], failingJobs: ReadonlySet<string> = new Set()) {
  const files = rendered(environments);
  let databasesChecked = 0;
  for (const env of environments) {
    const simulation = simulateFlux(files, env.name, failingJobs);
    for (const database of databasesOf(env)) {
      const pending = pendingMigrations(database);
      const jobs = migrationObjects(simulation.objects, 'Job', database.cluster.name);
      expect(migrationObjects(simulation.objects, 'Backup', database.cluster.name)).toEqual([]);
      const label = (object: AppliedObject) => object.manifest.metadata.labels[MIGRATION_LABEL];
      // Creation order of the Jobs is the applied order, one at a time.
      const created = [...jobs].sort((a, b) => a.createdAt - b.createdAt);
      const failedAt = pending.findIndex((id) => jobs.some((job) => label(job) === id && failingJobs.has(job.name)));
      const expected = failedAt === -1 ? pending : pending.slice(0, failedAt + 1);
      expect(created.map(label)).toEqual(expected);
      expect(new Set(created.map((job) => job.createdAt)).size).toBe(created.length);
      for (let index = 1; index < created.length; index += 1) {
        const previous = created[index - 1];
        const completed = simulation.completedAt.get(`${previous.namespace}/${previous.name}`);
        expect(completed).toBeDefined();
        // The next Job, whose gate takes its pre-migration Backup, only after the previous Job completed.
        expect(created[index].createdAt).toBeGreaterThan(completed!);
        expect(created[index].manifest.metadata.annotations['cnpg-gitops.io/after']).toBe(label(previous));
      }
      // The stage workloads depend on is Ready only after the last migration completed.
      const migrationsStage = database.qualifier ? `cnpg-migrations-${database.qualifier}` : 'cnpg-migrations';
      if (failedAt === -1 && created.length > 0) {
        const last = created[created.length - 1];
        expect(simulation.readyAt.get(migrationsStage)).toBeGreaterThan(simulation.completedAt.get(`${last.namespace}/${last.name}`)!);
      }
      if (failedAt !== -1) expect(simulation.readyAt.has(migrationsStage)).toBe(false);
      databasesChecked += 1;
    }
  }
  return databasesChecked;
}

test('every database of every shipped environment applies its migrations one after the other, in the configured order', () => {
  expect(expectStrictOrder(shippedEnvironments())).toBe(3);
});

test('with several databases, each one keeps its own order and a failure in one stops only that one', () => {
  expect(expectStrictOrder(withBillingDb())).toBe(6);
  const files = rendered(withBillingDb());
  const simulation = simulateFlux(files, 'production');
  const failing = migrationObjects(simulation.objects, 'Job', 'billing-db').find((job) => job.manifest.metadata.labels[MIGRATION_LABEL] === '0003-backfill-email-normalized')!;
  expect(expectStrictOrder(withBillingDb(), new Set([failing.name]))).toBe(6);
  const stopped = simulateFlux(files, 'production', new Set([failing.name]));
  expect(migrationObjects(stopped.objects, 'Job', 'billing-db').map((job) => job.manifest.metadata.labels[MIGRATION_LABEL])).toEqual(['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized']);
  expect(migrationObjects(stopped.objects, 'Job', 'app-db')).toHaveLength(5);
});

test('settled migrations: the first pending one waits for the cluster and names the last settled one as its predecessor', () => {
  expect(expectStrictOrder(settled('0002-add-email-normalized'))).toBe(3);
  const simulation = simulateFlux(rendered(settled('0002-add-email-normalized')), 'staging');
  const jobs = migrationObjects(simulation.objects, 'Job', 'app-db').sort((a, b) => a.createdAt - b.createdAt);
  expect(jobs.map((job) => job.manifest.metadata.annotations['cnpg-gitops.io/after'])).toEqual(['0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized']);
});

test('stages wait for each other only through dependsOn: none health-checks a stage, which would hold a controller worker until it is Ready', () => {
  // kustomize-controller health-checks synchronously, within its timeout, on one of its
  // workers (4 by default); dependsOn is re-checked every 30 s without holding one.
  for (const environments of [shippedEnvironments(), withBillingDb()]) {
    const files = rendered(environments);
    for (const env of environments) {
      const simulation = simulateFlux(files, env.name);
      const roots = files.filter((file) => file.path.startsWith(`clusters/${env.name}/`)).flatMap((file) => YAML.parseAllDocuments(file.content).map((document) => document.toJS()));
      const stages = [...roots, ...simulation.objects.filter((object) => object.kind === 'Kustomization').map((object) => object.manifest)];
      const applyingStages = new Set(simulation.objects.filter((object) => object.kind === 'Kustomization').map((object) => object.stage));
      expect(applyingStages.size).toBeGreaterThan(0);
      for (const stage of stages) {
        expect([stage.metadata.name, (stage.spec.healthChecks ?? []).filter((check: { kind: string }) => check.kind === 'Kustomization')]).toEqual([stage.metadata.name, []]);
        if (applyingStages.has(stage.metadata.name)) expect([stage.metadata.name, stage.spec.wait]).toEqual([stage.metadata.name, false]);
      }
    }
  }
});

test('objects Flux applies only while absent (ssa: IfNotPresent) are health-checked by name, never left to wait, which skips them once they exist', () => {
  for (const environments of [shippedEnvironments(), withBillingDb()]) {
    const files = rendered(environments);
    for (const env of environments) {
      const simulation = simulateFlux(files, env.name);
      const stages = new Map([
        ...files.filter((file) => file.path.startsWith(`clusters/${env.name}/`)).flatMap((file) => YAML.parseAllDocuments(file.content).map((document) => document.toJS())),
        ...simulation.objects.filter((object) => object.kind === 'Kustomization').map((object) => object.manifest),
      ].map((stage) => [stage.metadata.name, stage]));
      const appliedOnce = simulation.objects.filter((object) => object.manifest.metadata.annotations?.['kustomize.toolkit.fluxcd.io/ssa'] === 'IfNotPresent');
      expect(appliedOnce.map((object) => object.kind)).toEqual(expect.arrayContaining(['Job', ...(env.cloneFrom ? ['Backup'] : [])]));
      for (const object of appliedOnce) {
        const stage = stages.get(object.stage);
        expect([object.name, stage.spec.wait, stage.spec.healthChecks]).toEqual([object.name, false, expect.arrayContaining([expect.objectContaining({ kind: object.kind, name: object.name })])]);
      }
    }
  }
});

test('the model can fail: one stage holding two migrations would run them in the same round', () => {
  const files = rendered(shippedEnvironments()).map((file) => {
    if (file.path !== 'infrastructure/data/cnpg-migrations/develop/stages.yaml') return file;
    // Every migration stage waits on the cluster only: the parallel apply of the previous design.
    return { ...file, content: file.content.replace(/dependsOn:\n {4}- name: cnpg-migration-[^\n]+/g, 'dependsOn:\n    - name: cnpg-clusters') };
  });
  const jobs = migrationObjects(simulateFlux(files, 'develop').objects, 'Job', 'app-db');
  expect(new Set(jobs.map((job) => job.createdAt)).size).toBe(1);
});
