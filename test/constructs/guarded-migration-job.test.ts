import { Testing } from 'cdk8s';
import { CnpgCluster } from '../../src/constructs/cnpg-cluster';
import { GuardedMigrationJob, GuardedMigrationJobProps } from '../../src/constructs/guarded-migration-job';
import { MigrationScripts } from '../../src/constructs/migration-scripts';
import { sqlSha256 } from '../../src/migrations/analysis';

const SQL = 'ALTER TABLE users ADD COLUMN nickname text;\n';
const SHA = sqlSha256(SQL);
const SHORT = SHA.slice(7, 15);

function setup(props: Partial<Omit<GuardedMigrationJobProps, 'cluster' | 'scripts'>> = {}) {
  const chart = Testing.chart();
  const cluster = new CnpgCluster(chart, 'Db', {
    name: 'app-db', storageSize: '5Gi', retentionPolicy: '7d',
    objectStore: { provider: 'aws-s3', destinationPath: 's3://bucket/', credentials: { clusterSecretStore: 'store', remoteKey: 'k' } },
  });
  const scripts = new MigrationScripts(chart, 'Scripts');
  const job = new GuardedMigrationJob(chart, 'Migration', {
    cluster,
    scripts,
    sql: SQL,
    migration: { id: '0007-add-nickname', release: '2.1.0', phase: 'expand', sql: 'migrations/0007/up.sql', rollback: { strategies: ['pitr'], steps: 'restore before-0007-add-nickname' } },
    ...props,
  });
  const manifests = Testing.synth(chart);
  const find = (kind: string) => manifests.find((m) => m.kind === kind && m.metadata.name !== 'app-db' && !/^(app-db-|cnpg-migration-scripts-)/.test(m.metadata.name));
  return { job, manifests, find };
}

test('names: stable per migration and SQL checksum', () => {
  const { job, find } = setup();
  expect(job.backupName).toBe(`pre-migration-0007-add-nickname-${SHORT}`);
  expect(job.jobName).toBe(`migrate-0007-add-nickname-${SHORT}`);
  expect(job.restorePoint).toBe('before-0007-add-nickname');
  for (const kind of ['Job', 'ConfigMap', 'ServiceAccount', 'Role', 'RoleBinding']) expect(find(kind).metadata.name).toBe(job.jobName);
});

test('the pre-migration Backup: plugin method, primary, kept when the migration leaves Git', () => {
  const { find } = setup();
  const backup = find('Backup');
  expect(backup.spec).toEqual({ cluster: { name: 'app-db' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' }, target: 'primary' });
  expect(backup.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
});

test('the Job runs once, is kept, has a deadline and is re-created rather than patched', () => {
  const { find } = setup({ migration: { id: '0007-add-nickname', release: '2.1.0', phase: 'expand', sql: 'x.sql', activeDeadlineSeconds: 900, rollback: { strategies: ['pitr', 'down-sql'], steps: 'restore' } } });
  const job = find('Job');
  expect(job.spec.backoffLimit).toBe(0);
  expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
  expect(job.spec.activeDeadlineSeconds).toBe(900);
  expect(job.spec.template.spec.restartPolicy).toBe('Never');
  expect(job.metadata.annotations).toMatchObject({
    'kustomize.toolkit.fluxcd.io/force': 'enabled',
    'cnpg-gitops.io/pre-migration-backup': `pre-migration-0007-add-nickname-${SHORT}`,
    'cnpg-gitops.io/sql-sha256': SHA,
    'cnpg-gitops.io/rollback-strategies': 'pitr,down-sql',
    'cnpg-gitops.io/phase': 'expand',
    'cnpg-gitops.io/release': '2.1.0',
  });
  expect(job.metadata.labels['cnpg-gitops.io/migration']).toBe('0007-add-nickname');
});

test('gate, checkpoint, migrate: in that order, with the Job\'s settings', () => {
  const { find } = setup({ maxBackupAgeMinutes: 30, clonedOn: '2026-11-16' });
  const pod = find('Job').spec.template.spec;
  expect(pod.initContainers.map((c: any) => c.name)).toEqual(['gate', 'checkpoint']);
  expect(pod.containers.map((c: any) => c.name)).toEqual(['migrate']);
  const env = (container: any) => Object.fromEntries(container.env.map((v: any) => [v.name, v.value ?? v.valueFrom]));
  expect(env(pod.initContainers[0])).toMatchObject({ MAX_BACKUP_AGE_SECONDS: '1800', CLUSTER_NAME: 'app-db', BACKUP_NAME: `pre-migration-0007-add-nickname-${SHORT}` });
  expect(pod.initContainers[0].image).toBe('docker.io/alpine/k8s:1.32.4');
  const migrate = env(pod.containers[0]);
  expect(migrate).toMatchObject({
    PGHOST: 'app-db-rw.default.svc',
    PGDATABASE: 'app',
    PGSSLMODE: 'require',
    PGOPTIONS: '-c lock_timeout=5s -c statement_timeout=15min',
    TRANSACTIONAL: 'true',
    CLONED_ON: '2026-11-16',
    PGUSER: { secretKeyRef: { name: 'app-db-app', key: 'username' } },
    PGPASSWORD: { secretKeyRef: { name: 'app-db-app', key: 'password' } },
  });
  expect(pod.containers[0].image).toBe('ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie');
  expect(pod.containers[0].command).toEqual(['sh', '/scripts/run.sh']);
  expect(migrate.SQL_FILE).toBe('/sql/up.sql');
  expect(pod.volumes.map((v: any) => v.configMap?.name).filter(Boolean)).toEqual([expect.stringMatching(/^cnpg-migration-scripts-[0-9a-f]{8}$/), `migrate-0007-add-nickname-${SHORT}`]);
});

test('every container meets the Pod Security "restricted" profile', () => {
  const { find } = setup();
  const pod = find('Job').spec.template.spec;
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 26 });
  for (const container of [...pod.initContainers, ...pod.containers]) {
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 26,
      runAsGroup: 26,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  }
});

test('RBAC: read that one Backup and get that one Cluster, nothing else', () => {
  const { find, job } = setup();
  expect(find('Role').rules).toEqual([
    { apiGroups: ['postgresql.cnpg.io'], resources: ['backups'], resourceNames: [job.backupName], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['postgresql.cnpg.io'], resources: ['clusters'], resourceNames: ['app-db'], verbs: ['get'] },
  ]);
  expect(find('RoleBinding').subjects).toEqual([expect.objectContaining({ kind: 'ServiceAccount', name: job.jobName })]);
  expect(find('Job').spec.template.spec.serviceAccountName).toBe(job.jobName);
});

test('the ConfigMap is immutable and holds the SQL; ${ in it disables Flux substitution', () => {
  const plain = setup().find('ConfigMap');
  expect(plain.immutable).toBe(true);
  expect(plain.data['up.sql']).toBe(SQL);
  expect(plain.metadata.annotations?.['kustomize.toolkit.fluxcd.io/substitute']).toBeUndefined();
  const dollar = setup({ sql: "COMMENT ON TABLE users IS '${x}';" });
  expect(dollar.find('ConfigMap').metadata.annotations['kustomize.toolkit.fluxcd.io/substitute']).toBe('disabled');
});

test('a team\'s own migration image runs after the same gate and checkpoint', () => {
  const { find } = setup({ migration: { id: '0007-add-nickname', release: '2.1.0', phase: 'expand', sql: 'x.sql', image: 'ghcr.io/acme/migrator:2.1.0', command: ['migrator', 'up'], rollback: { strategies: ['pitr'], steps: 'restore' } } });
  const pod = find('Job').spec.template.spec;
  expect(pod.initContainers.map((c: any) => c.name)).toEqual(['gate', 'checkpoint']);
  expect(pod.containers[0]).toMatchObject({ image: 'ghcr.io/acme/migrator:2.1.0', command: ['migrator', 'up'] });
});

test('a non-transactional statement switches the runner to statement by statement', () => {
  const { find } = setup({ sql: 'CREATE INDEX CONCURRENTLY i ON users (nickname);' });
  const migrate = find('Job').spec.template.spec.containers[0];
  expect(migrate.env.find((v: any) => v.name === 'TRANSACTIONAL').value).toBe('false');
});

test('the gate image comes from the environment config when set', () => {
  const { renderEnvironments } = require('../../src/synthesize');
  const { estate, withEnvironment } = require('../helpers/fixtures');
  const outcome = renderEnvironments(estate(withEnvironment('production', (env: any) => { env.migrations.gateImage = 'registry.internal/k8s:1.32.4'; })));
  const job = outcome.files.find((file: any) => file.path.endsWith('production/jobs/0005-drop-email.yaml')).content;
  expect(job).toContain('image: registry.internal/k8s:1.32.4');
  expect(job).not.toContain('docker.io/alpine/k8s');
});
