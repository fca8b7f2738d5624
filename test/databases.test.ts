import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { EnvironmentConfig } from '../src/config/types';
import { renderEnvironments, synthesize } from '../src/synthesize';
import { builtInSchemaErrors, isBuiltIn, loadCrdValidators, schemaErrors } from './helpers/crd-schemas';
import { estate, shippedEnvironments } from './helpers/fixtures';

type Environments = ReturnType<typeof shippedEnvironments>;
const ALL = ['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized', '0005-drop-email'];

/** The shipped estate with a second database, billing-db, in every environment, applying the same migrations. */
function withBillingDb(change: (environments: Environments) => void = () => {}): Environments {
  const environments = shippedEnvironments();
  for (const env of environments) {
    env.databases = [{
      cluster: { ...env.cluster, name: 'billing-db' },
      appCredentials: env.appCredentials && { clusterSecretStore: 'platform-secrets', remoteKey: `cnpg/${env.name}/billing-db` },
      migrations: { applied: [...ALL], migratorCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: `cnpg/${env.name}/billing-db-migrator` } },
      migrationValidations: env.migrationValidations && [...env.migrationValidations],
    }];
  }
  change(environments);
  return environments;
}

function render(environments: readonly EnvironmentConfig[]) {
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status !== 'rendered') throw new Error(JSON.stringify(outcome, null, 1).slice(0, 3000));
  return outcome;
}

const documents = (content: string) => YAML.parseAllDocuments(content).map((document) => document.toJS());
const env = (environments: Environments, name: string) => environments.find((candidate) => candidate.name === name)!;

describe('several databases in an environment', () => {
  let outcome: ReturnType<typeof render>;
  beforeAll(() => { outcome = render(withBillingDb()); });
  const file = (path: string) => outcome.files.find((candidate) => candidate.path === path);

  test('the environment\'s own database keeps its directories; a further one gets a subdirectory of each', () => {
    const paths = outcome.files.map((candidate) => candidate.path);
    for (const name of ['production', 'staging', 'develop']) {
      expect(paths).toContain(`infrastructure/data/cnpg-clusters/${name}/cluster.yaml`);
      expect(paths).toContain(`infrastructure/data/cnpg-clusters/${name}/billing-db/cluster.yaml`);
      expect(paths).toContain(`infrastructure/data/cnpg-clusters/${name}/billing-db/kustomization.yaml`);
      expect(paths).toContain(`infrastructure/data/cnpg-migrations/${name}/billing-db/kustomization.yaml`);
      expect(paths).toContain(`infrastructure/data/cnpg-migrations/${name}/billing-db/0005-drop-email/job.yaml`);
    }
    // The parent kustomization lists its own files only: the subdirectory belongs to another Flux stage.
    expect(YAML.parse(file('infrastructure/data/cnpg-clusters/production/kustomization.yaml')!.content).resources).not.toContain('billing-db');
    expect(outcome.runbooks.map((runbook) => runbook.path)).toEqual(expect.arrayContaining(['production/billing-db/0005-drop-email.md', 'production/billing-db/timeline.md', 'production/0005-drop-email.md']));
  });

  test('each database has its own Flux stages, each waiting only on its own database', () => {
    const clusters = documents(file('clusters/production/cnpg-clusters.yaml')!.content);
    expect(clusters.map((k) => [k.metadata.name, k.spec.path])).toEqual([
      ['cnpg-clusters', './flux/infrastructure/data/cnpg-clusters/production'],
      ['cnpg-clusters-billing-db', './flux/infrastructure/data/cnpg-clusters/production/billing-db'],
    ]);
    const migrations = documents(file('clusters/production/cnpg-migrations.yaml')!.content);
    expect(migrations.map((k) => [k.metadata.name, k.spec.dependsOn, k.spec.path])).toEqual([
      ['cnpg-migration-stages', [{ name: 'cnpg-clusters' }], './flux/infrastructure/data/cnpg-migrations/production'],
      ['cnpg-migrations', [{ name: 'cnpg-migration-stages' }, { name: 'cnpg-migration-0005-drop-email' }], './flux/infrastructure/data/cnpg-migrations/production/complete'],
      ['cnpg-migration-stages-billing-db', [{ name: 'cnpg-clusters-billing-db' }], './flux/infrastructure/data/cnpg-migrations/production/billing-db'],
      ['cnpg-migrations-billing-db', [{ name: 'cnpg-migration-stages-billing-db' }, { name: 'cnpg-migration-0005-drop-email-billing-db' }], './flux/infrastructure/data/cnpg-migrations/production/billing-db/complete'],
    ]);
    // One stage per migration, chained on its own database's stages only.
    const chain = documents(file('infrastructure/data/cnpg-migrations/production/billing-db/stages.yaml')!.content);
    expect(chain.map((k) => [k.metadata.name, k.spec.dependsOn[0].name])).toEqual([
      ['cnpg-migration-0001-create-users-billing-db', 'cnpg-clusters-billing-db'],
      ['cnpg-migration-0002-add-email-normalized-billing-db', 'cnpg-migration-0001-create-users-billing-db'],
      ['cnpg-migration-0003-backfill-email-normalized-billing-db', 'cnpg-migration-0002-add-email-normalized-billing-db'],
      ['cnpg-migration-0004-index-email-normalized-billing-db', 'cnpg-migration-0003-backfill-email-normalized-billing-db'],
      ['cnpg-migration-0005-drop-email-billing-db', 'cnpg-migration-0004-index-email-normalized-billing-db'],
    ]);
  });

  test('no two objects of one namespace share a kind and name, though both databases apply the same SQL', () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { path, content } of outcome.files.filter((candidate) => !candidate.path.endsWith('kustomization.yaml'))) {
      const environment = /\/(develop|staging|production)\b/.exec(path)![1];
      for (const object of documents(content)) {
        const key = `${environment}|${object.kind}|${object.metadata.namespace}|${object.metadata.name}`;
        if (seen.has(key)) duplicates.push(`${key} in ${seen.get(key)} and ${path}`);
        seen.set(key, path);
      }
    }
    expect(duplicates).toEqual([]);
    const jobs = documents(file('infrastructure/data/cnpg-migrations/production/billing-db/0005-drop-email/job.yaml')!.content);
    expect(jobs.find((object) => object.kind === 'Job').metadata.annotations['cnpg-gitops.io/cluster']).toBe('billing-db');
  });

  test('staging\'s billing-db recovers from production\'s billing-db archive into its own folder', () => {
    const cluster = documents(file('infrastructure/data/cnpg-clusters/staging/billing-db/cluster.yaml')!.content)[0];
    const store = documents(file('infrastructure/data/cnpg-clusters/production/billing-db/object-store.yaml')!.content)[0];
    expect(cluster.spec.externalClusters[0].plugin.parameters).toEqual({ barmanObjectName: 'billing-db-recovery-source', serverName: 'billing-db' });
    expect(cluster.spec.plugins[0].parameters.serverName).toBe(`billing-db-clone-${env(shippedEnvironments(), 'staging').cloneFrom!.clonedOn.replaceAll('-', '')}`);
    // Inherited from the environment: the same bucket, the database's own folder.
    expect(store.spec.configuration.destinationPath).toBe(env(shippedEnvironments(), 'production').objectStore.destinationPath);
    expect(documents(file('infrastructure/data/cnpg-clusters/production/billing-db/cluster.yaml')!.content)[0].spec.plugins[0].parameters.serverName).toBe('billing-db');
  });

  test('cloneOf: a clone recovers from the database it names, e.g. after its source was switched over to a restored cluster', () => {
    const renamed = withBillingDb((environments) => {
      env(environments, 'production').databases![0].cluster.name = 'billing-db-restored';
      env(environments, 'staging').databases![0].cloneOf = 'billing-db-restored';
    });
    const files = render(renamed).files;
    const cluster = documents(files.find((candidate) => candidate.path === 'infrastructure/data/cnpg-clusters/staging/billing-db/cluster.yaml')!.content)[0];
    expect(cluster.spec.externalClusters[0].plugin.parameters.serverName).toBe('billing-db-restored');
  });

  test('every object of the further databases passes its schema, and kubectl kustomize builds their directories', async () => {
    const objects = outcome.files.filter((candidate) => candidate.path.includes('/billing-db/') && !candidate.path.endsWith('kustomization.yaml')).flatMap((candidate) => documents(candidate.content));
    expect(objects.length).toBeGreaterThan(40);
    const validators = loadCrdValidators();
    const custom = objects.filter((object) => !isBuiltIn(object));
    expect(custom.map((object) => object.kind)).toEqual(expect.arrayContaining(['Cluster', 'ObjectStore', 'ScheduledBackup', 'Backup', 'ExternalSecret', 'PodMonitor', 'PrometheusRule']));
    expect(custom.flatMap((object) => schemaErrors(validators, object))).toEqual([]);
    expect(builtInSchemaErrors(objects.filter(isBuiltIn))).toEqual([]);
    const root = mkdtempSync(join(tmpdir(), 'databases-'));
    await synthesize({ ...estate(withBillingDb()), fluxRoot: root });
    for (const directory of ['cnpg-clusters/production/billing-db', 'cnpg-migrations/production/billing-db', 'cnpg-migrations/production/billing-db/0005-drop-email']) {
      const built = documents(execFileSync('kubectl', ['kustomize', join(root, 'infrastructure/data', directory)], { encoding: 'utf8' }));
      expect(built.length).toBeGreaterThan(0);
    }
  }, 30_000);

  test('a violation in a further database names its field in the environment file', () => {
    const failed = renderEnvironments(estate(withBillingDb((environments) => { env(environments, 'staging').databases![0].migrationValidations = []; })));
    if (failed.status !== 'guardrails-failed') throw new Error(failed.status);
    const missing = failed.report.violations.filter((violation) => violation.ruleId === 'MIG006');
    expect(missing.length).toBe(ALL.length);
    expect(missing.every((violation) => violation.configFile === 'src/config/staging.ts' && violation.configField === 'databases[0].migrationValidations')).toBe(true);
    expect(missing[0].path).toMatch(/^production\.billing-db-migrations\//);
  });

  test('expand/contract is checked per database: another database\'s expand does not count', () => {
    const failed = renderEnvironments(estate(withBillingDb((environments) => {
      env(environments, 'develop').databases![0].migrations = { ...env(environments, 'develop').databases![0].migrations!, applied: ['0001-create-users', '0005-drop-email'] };
    })));
    if (failed.status !== 'guardrails-failed') throw new Error(failed.status);
    expect(failed.report.violations.filter((violation) => violation.ruleId === 'MIG004').map((violation) => [violation.configFile, violation.configField, violation.message])).toEqual([
      ['src/config/develop.ts', 'databases[0].migrations.applied', 'contract 0005-drop-email completes 0002-add-email-normalized, which this environment does not apply'],
    ]);
  });
});

describe('settled migrations', () => {
  const settle = (through: string) => {
    const environments = shippedEnvironments();
    for (const environment of environments) environment.migrations = { ...environment.migrations!, settledThrough: through };
    return environments;
  };

  test('leave the tree: no Backup, Job or runbook; the contract of a settled expand still passes', () => {
    const outcome = render(settle('0004-index-email-normalized'));
    const migrationFiles = outcome.files.filter((file) => file.path.startsWith('infrastructure/data/cnpg-migrations/production/')).map((file) => file.path);
    expect(migrationFiles).toEqual([
      'infrastructure/data/cnpg-migrations/production/0005-drop-email/job.yaml',
      'infrastructure/data/cnpg-migrations/production/0005-drop-email/kustomization.yaml',
      'infrastructure/data/cnpg-migrations/production/complete/kustomization.yaml',
      'infrastructure/data/cnpg-migrations/production/kustomization.yaml',
      'infrastructure/data/cnpg-migrations/production/stages.yaml',
    ]);
    // The first pending migration waits for the last settled one in the ledger.
    const job = documents(outcome.files.find((file) => file.path.endsWith('production/0005-drop-email/job.yaml'))!.content).find((object) => object.kind === 'Job');
    expect(job.metadata.annotations['cnpg-gitops.io/after']).toBe('0004-index-email-normalized');
    expect(outcome.runbooks.filter((runbook) => runbook.path.startsWith('production/')).map((runbook) => runbook.path)).toEqual(['production/0005-drop-email.md', 'production/timeline.md']);
    const timeline = outcome.runbooks.find((runbook) => runbook.path === 'production/timeline.md')!.content;
    expect(timeline).toContain('settled[["4 settled migration(s)<br/>through 0004-index-email-normalized"]]');
    expect(timeline).toContain('settled -. completed by .-> m0005_drop_email');
  });

  test('once all are settled the migrations stage stays (workloads depend on it) and waits on the cluster', async () => {
    const outcome = render(settle('0005-drop-email'));
    const stages = documents(outcome.files.find((file) => file.path === 'clusters/production/cnpg-migrations.yaml')!.content);
    expect(stages.map((k) => [k.metadata.name, k.spec.dependsOn, k.spec.path])).toEqual([
      ['cnpg-migration-stages', [{ name: 'cnpg-clusters' }], './flux/infrastructure/data/cnpg-migrations/production'],
      ['cnpg-migrations', [{ name: 'cnpg-migration-stages' }], './flux/infrastructure/data/cnpg-migrations/production/complete'],
    ]);
    const root = mkdtempSync(join(tmpdir(), 'settled-'));
    await synthesize({ ...estate(settle('0005-drop-email')), fluxRoot: root });
    // Nothing left to apply, and no scripts ConfigMap without a Job to mount it.
    for (const directory of ['production', 'production/complete']) {
      const built = execFileSync('kubectl', ['kustomize', join(root, 'infrastructure/data/cnpg-migrations', directory)], { encoding: 'utf8' });
      expect(built.trim()).toBe('');
    }
    expect(readFileSync(join(root, 'infrastructure/data/cnpg-clusters/production/kustomization.yaml'), 'utf8')).not.toContain('migration-scripts.yaml');
  });

  test('production needs no validation record for a settled migration', () => {
    const environments = settle('0004-index-email-normalized');
    env(environments, 'staging').migrationValidations = env(environments, 'staging').migrationValidations!.filter((record) => record.migration === '0005-drop-email');
    expect(render(environments).report.violations.filter((violation) => violation.ruleId === 'MIG006')).toEqual([]);
  });
});
