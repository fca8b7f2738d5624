import { constructChart } from '../helpers/construct-chart';
import { Testing } from 'cdk8s';
import { CnpgCluster } from '../../src/constructs/cnpg-cluster';
import { GuardedMigrationJob, GuardedMigrationJobProps } from '../../src/constructs/guarded-migration-job';
import { MigrationScripts } from '../../src/constructs/migration-scripts';
import { sqlSha256 } from '../../src/migrations/analysis';

const SQL = 'ALTER TABLE users ADD COLUMN nickname text;\n';
const SHA = sqlSha256(SQL);
const SHORT = SHA.slice(7, 15);

function setup(props: Partial<Omit<GuardedMigrationJobProps, 'cluster' | 'scripts'>> = {}) {
  const chart = constructChart();
  const cluster = new CnpgCluster(chart, 'Db', {
    name: 'app-db', storageSize: '5Gi', retentionPolicy: '7d',
    objectStore: { provider: 'aws-s3', destinationPath: 's3://bucket/', credentials: { clusterSecretStore: 'store', remoteKey: 'k' } },
    migrator: { credentials: { clusterSecretStore: 'store', remoteKey: 'migrator' } },
  });
  const scripts = new MigrationScripts(chart, 'Scripts', { cluster });
  const job = new GuardedMigrationJob(chart, 'Migration', {
    cluster,
    scripts,
    sql: SQL,
    migration: { id: '0007-add-nickname', release: '2.1.0', phase: 'expand', rollback: { strategies: ['pitr'], steps: 'restore the cluster to before-0007-add-nickname and switch the app over' } },
    ...props,
  });
  const manifests = Testing.synth(chart);
  const find = (kind: string) => manifests.find((m) => m.kind === kind && m.metadata.name !== 'app-db' && !/^app-db-/.test(m.metadata.name));
  return { job, manifests, find };
}

test('names: stable per migration and SQL checksum', () => {
  const { job, find } = setup();
  expect(job.jobName).toBe(`migrate-0007-add-nickname-${SHORT}`);
  expect(job.restorePoint).toBe('before-0007-add-nickname');
  for (const kind of ['Job', 'ConfigMap', 'ServiceAccount', 'Role', 'RoleBinding']) expect(find(kind).metadata.name).toBe(job.jobName);
});

test('no Backup in Git: the gate takes it when, and only when, the migration is about to run', () => {
  const { manifests } = setup();
  expect(manifests.filter((manifest) => manifest.kind === 'Backup')).toEqual([]);
});

test('the Job runs once: no retry, kept, a deadline, applied by Flux only while absent (never forced)', () => {
  const { find } = setup({ migration: { id: '0007-add-nickname', release: '2.1.0', phase: 'expand', activeDeadlineSeconds: 900, rollback: { strategies: ['pitr', 'down-sql'], steps: 'run down.sql, or restore the cluster to before-0007-add-nickname' } }, downSql: 'ALTER TABLE users DROP COLUMN nickname;\n' });
  const job = find('Job');
  expect(job.spec.backoffLimit).toBe(0);
  expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
  expect(job.spec.activeDeadlineSeconds).toBe(900);
  expect(job.spec.template.spec.restartPolicy).toBe('Never');
  expect(job.metadata.annotations['kustomize.toolkit.fluxcd.io/force']).toBeUndefined();
  expect(job.metadata.annotations).toMatchObject({
    'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent',
    'cnpg-gitops.io/sql-sha256': SHA,
    'cnpg-gitops.io/rollback-strategies': 'pitr,down-sql',
    'cnpg-gitops.io/phase': 'expand',
    'cnpg-gitops.io/release': '2.1.0',
    'cnpg-gitops.io/after': '',
  });
  expect(job.metadata.labels['cnpg-gitops.io/migration']).toBe('0007-add-nickname');
});

test('the Job names the migration before it, in the annotation and for the ledger check', () => {
  const { find, job } = setup({ after: { migrationId: '0006-add-orders', sqlSha256: 'sha256:' + 'a'.repeat(64) } });
  const manifest = find('Job');
  expect(manifest.metadata.annotations['cnpg-gitops.io/after']).toBe('0006-add-orders');
  expect(job.after?.migrationId).toBe('0006-add-orders');
  for (const container of [manifest.spec.template.spec.initContainers[0], manifest.spec.template.spec.containers[0]]) {
    const env = Object.fromEntries(container.env.map((v: any) => [v.name, v.value]));
    expect(env).toMatchObject({ AFTER_MIGRATION: '0006-add-orders', AFTER_SHA256: 'sha256:' + 'a'.repeat(64) });
  }
});

test('ledger, gate, migrate: in that order, with the Job\'s settings', () => {
  const { find } = setup({ maxBackupAgeMinutes: 30, clonedOn: '2026-11-16' });
  const pod = find('Job').spec.template.spec;
  expect(pod.initContainers.map((c: any) => c.name)).toEqual(['ledger', 'gate']);
  expect(pod.containers.map((c: any) => c.name)).toEqual(['migrate']);
  const env = (container: any) => Object.fromEntries(container.env.map((v: any) => [v.name, v.value ?? v.valueFrom]));
  expect(env(pod.initContainers[1])).toMatchObject({ MAX_BACKUP_AGE_SECONDS: '1800', CLUSTER_NAME: 'app-db', MIGRATION_ID: '0007-add-nickname', JOB_NAME: `migrate-0007-add-nickname-${SHORT}` });
  expect(pod.initContainers[1].image).toBe('docker.io/alpine/k8s:1.32.4');
  const migrate = env(pod.containers[0]);
  expect(migrate).toMatchObject({
    PGHOST: 'app-db-rw.default.svc',
    PGDATABASE: 'app',
    PGSSLMODE: 'verify-full',
    PGSSLROOTCERT: '/etc/cnpg-ca/ca.crt',
    PGOPTIONS: '-c lock_timeout=5s -c statement_timeout=15min',
    DATABASE_OWNER: 'app',
    TRANSACTIONAL: 'true',
    CLONED_ON: '2026-11-16',
    LOCK_WAIT_SECONDS: '1800',
    PGUSER: { secretKeyRef: { name: 'app-db-migrator', key: 'username' } },
    PGPASSWORD: { secretKeyRef: { name: 'app-db-migrator', key: 'password' } },
  });
  expect(pod.containers[0].image).toBe('ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie');
  expect(pod.containers[0].command).toEqual(['sh', '/scripts/run.sh', 'all']);
  expect(migrate.SQL_FILE).toBe('/sql/up.sql');
  expect(pod.volumes.map((v: any) => v.configMap?.name).filter(Boolean)).toEqual([expect.stringMatching(/^app-db-migration-scripts-[0-9a-f]{8}$/), `migrate-0007-add-nickname-${SHORT}`]);
});

test('the migrator, never the application: its Secret for every container that runs SQL, TLS verified against the cluster CA', () => {
  const { find } = setup();
  const pod = find('Job').spec.template.spec;
  const sql = [pod.initContainers[0], pod.containers[0]];
  for (const container of sql) {
    const users = container.env.filter((v: any) => v.name === 'PGUSER' || v.name === 'PGPASSWORD').map((v: any) => v.valueFrom.secretKeyRef.name);
    expect(users).toEqual(['app-db-migrator', 'app-db-migrator']);
    expect(container.volumeMounts).toContainEqual({ name: 'cluster-ca', mountPath: '/etc/cnpg-ca', readOnly: true });
  }
  expect(pod.volumes).toContainEqual({ name: 'cluster-ca', secret: { secretName: 'app-db-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
});

test('only the gate sees the API token', () => {
  const { find } = setup();
  const pod = find('Job').spec.template.spec;
  expect(pod.automountServiceAccountToken).toBe(false);
  expect(find('ServiceAccount').automountServiceAccountToken).toBe(false);
  const tokenMounts = [...pod.initContainers, ...pod.containers]
    .filter((container: any) => container.volumeMounts.some((mount: any) => mount.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'))
    .map((container: any) => container.name);
  expect(tokenMounts).toEqual(['gate']);
  const apiAccess = pod.volumes.find((volume: any) => volume.name === 'api-access');
  expect(apiAccess.projected.sources).toEqual([
    { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
    { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
  ]);
});

test('a cluster without a migrator cannot run migrations', () => {
  const chart = constructChart();
  const cluster = new CnpgCluster(chart, 'Db', {
    name: 'app-db', storageSize: '5Gi', retentionPolicy: '7d',
    objectStore: { provider: 'aws-s3', destinationPath: 's3://bucket/', credentials: { clusterSecretStore: 'store', remoteKey: 'k' } },
  });
  expect(() => new GuardedMigrationJob(chart, 'Migration', {
    cluster,
    scripts: new MigrationScripts(chart, 'Scripts', { cluster }),
    sql: SQL,
    migration: { id: '0007-add-nickname', release: '2.1.0', phase: 'expand', rollback: { strategies: ['pitr'], steps: 'restore the cluster to before-0007-add-nickname and switch the app over' } },
  })).toThrow(/cluster app-db has no migrator role; give it one \(CnpgClusterProps.migrator\)/);
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

test('RBAC: patch its own Job (to hand it to the cluster), create and read Backups, get that Cluster, nothing else', () => {
  const { find, job } = setup();
  expect(find('Role').rules).toEqual([
    { apiGroups: ['batch'], resources: ['jobs'], resourceNames: [job.jobName], verbs: ['get', 'patch'] },
    { apiGroups: ['postgresql.cnpg.io'], resources: ['backups'], verbs: ['create', 'get'] },
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

test('a team\'s own migration image runs between the checkpoint and the record, after the same ledger check and gate', () => {
  const { find } = setup({ migration: { id: '0007-add-nickname', release: '2.1.0', phase: 'expand', image: 'ghcr.io/acme/migrator:2.1.0', command: ['migrator', 'up'], rollback: { strategies: ['pitr'], steps: 'run down.sql, or restore the cluster to before-0007-add-nickname' } } });
  const pod = find('Job').spec.template.spec;
  expect(pod.initContainers.map((c: any) => c.name)).toEqual(['ledger', 'gate', 'checkpoint', 'migrate']);
  expect(pod.initContainers[2].command).toEqual(['sh', '/scripts/run.sh', 'checkpoint']);
  expect(pod.initContainers[3]).toMatchObject({ image: 'ghcr.io/acme/migrator:2.1.0', command: ['migrator', 'up'] });
  expect(pod.containers.map((c: any) => [c.name, c.command])).toEqual([['record', ['sh', '/scripts/run.sh', 'record']]]);
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
  const job = outcome.files.find((file: any) => file.path.endsWith('production/0005-drop-email/job.yaml')).content;
  expect(job).toContain('image: registry.internal/k8s:1.32.4');
  expect(job).not.toContain('docker.io/alpine/k8s');
});
