import { constructChart } from '../helpers/construct-chart';
import { Testing } from 'cdk8s';
import { CnpgCluster } from '../../src/constructs/cnpg-cluster';
import { PitrRestore, PitrRestoreProps } from '../../src/restore/pitr-restore';
import { RecoveryTarget } from '../../src/values/recovery-target';

function setup(props: Partial<Omit<PitrRestoreProps, 'source'>> = {}) {
  const chart = constructChart();
  const source = new CnpgCluster(chart, 'Db', {
    name: 'app-db', instances: 3, storageSize: '100Gi', retentionPolicy: '30d', topologyKey: 'topology.kubernetes.io/zone',
    resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '8Gi' } },
    objectStore: { provider: 'cloudflare-r2', destinationPath: 's3://bucket/', endpointURL: 'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com', credentials: { clusterSecretStore: 'store', remoteKey: 'k' } },
    appCredentials: { clusterSecretStore: 'store', remoteKey: 'app' },
  });
  const restore = new PitrRestore(chart, 'Restore', {
    source,
    name: 'app-db-before-0005',
    target: RecoveryTarget.restorePoint({ migrationId: '0005-drop-email', backupId: '20261125T095930' }),
    assertions: [{ name: 'email is back', sql: "SELECT count(*) FROM information_schema.columns WHERE column_name = 'email'", expect: '1' }],
    ...props,
  });
  const manifests = Testing.synth(chart);
  return { restore, manifests, find: (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name) };
}

test('a new cluster recovers the source archive, with the source serverName, into a fresh folder of the same store', () => {
  const { find, manifests } = setup();
  const cluster = find('Cluster', 'app-db-before-0005');
  expect(cluster.spec.bootstrap).toEqual({
    recovery: {
      source: 'origin',
      database: 'app',
      owner: 'app',
      secret: { name: 'app-db-app' },
      recoveryTarget: { targetName: 'before-0005-drop-email', backupID: '20261125T095930' },
    },
  });
  expect(cluster.spec.externalClusters).toEqual([{ name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'app-db-store', serverName: 'app-db' } } }]);
  expect(cluster.spec.plugins).toEqual([{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'app-db-store', serverName: 'app-db-before-0005' } }]);
  expect(cluster.metadata.annotations).toMatchObject({ 'cnpg-gitops.io/restore-of': 'app-db', 'cnpg-gitops.io/rolls-back-migration': '0005-drop-email', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
  expect(manifests.filter((m) => m.kind === 'ObjectStore').map((m) => m.metadata.name)).toEqual(['app-db-store']);
  expect(manifests.filter((m) => m.kind === 'ExternalSecret').map((m) => m.metadata.name).sort()).toEqual(['app-db-app', 'app-db-store-credentials']);
  expect(cluster.spec.backup).toBeUndefined();
});

test('copies the source settings unless overridden', () => {
  const copied = setup().find('Cluster', 'app-db-before-0005').spec;
  expect(copied).toMatchObject({ instances: 3, storage: { size: '100Gi' }, affinity: { topologyKey: 'topology.kubernetes.io/zone' }, resources: { requests: { cpu: '2' } } });
  const smaller = setup({ instances: 1, storageSize: '200Gi' }).find('Cluster', 'app-db-before-0005').spec;
  expect(smaller).toMatchObject({ instances: 1, storage: { size: '200Gi' } });
});

test('the verification Job checks the ledger first, then the assertions, and fails on a mismatch', () => {
  const { find, restore } = setup();
  expect(restore.verification.jobName).toBe('verify-app-db-before-0005');
  const assertions = assertionsOf(setup().manifests).data;
  expect(Object.keys(assertions).sort()).toEqual(['01-migration-0005-drop-email-is-not-applied.expected', '01-migration-0005-drop-email-is-not-applied.sql', '02-email-is-back.expected', '02-email-is-back.sql', 'verify.sh']);
  expect(assertions['02-email-is-back.expected']).toBe('1');
  const job = find('Job', 'verify-app-db-before-0005');
  expect(job.spec).toMatchObject({ backoffLimit: 0, template: { spec: { restartPolicy: 'Never', automountServiceAccountToken: false } } });
  expect(job.spec.template.spec.containers[0].env).toContainEqual({ name: 'PGHOST', value: 'app-db-before-0005-rw.default.svc' });
});

/** The verification's assertions ConfigMap, `verify-<restore>-<hash of its data>`. */
function assertionsOf(manifests: any[]): any {
  const found = manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.name.startsWith('verify-app-db-before-0005'));
  expect(found.map((m) => m.metadata.name)).toEqual([expect.stringMatching(/^verify-app-db-before-0005-[0-9a-f]{8}$/)]);
  return found[0];
}

test('changed assertions are a new ConfigMap and a changed Job, so Flux re-creates the Job instead of failing on the immutable one', () => {
  const original = setup();
  const again = setup();
  const changed = setup({ assertions: [{ name: 'email is back', sql: "SELECT count(*) FROM information_schema.columns WHERE column_name = 'email'", expect: '2' }] });
  const volumeOf = (result: ReturnType<typeof setup>) => result.find('Job', 'verify-app-db-before-0005').spec.template.spec.volumes.find((volume: any) => volume.name === 'assertions').configMap.name;
  expect(assertionsOf(original.manifests).immutable).toBe(true);
  expect(volumeOf(original)).toBe(assertionsOf(original.manifests).metadata.name);
  expect(assertionsOf(again.manifests).metadata.name).toBe(assertionsOf(original.manifests).metadata.name);
  expect(assertionsOf(changed.manifests).metadata.name).not.toBe(assertionsOf(original.manifests).metadata.name);
  expect(volumeOf(changed)).toBe(assertionsOf(changed.manifests).metadata.name);
  expect(changed.find('Job', 'verify-app-db-before-0005').metadata.annotations).toMatchObject({ 'kustomize.toolkit.fluxcd.io/force': 'enabled' });
});

test('a scheduled backup of the restored cluster when a schedule is given', () => {
  expect(setup().find('ScheduledBackup', 'app-db-before-0005-scheduled')).toBeUndefined();
  expect(setup({ backupSchedule: '0 0 3 * * *' }).find('ScheduledBackup', 'app-db-before-0005-scheduled').spec).toMatchObject({ cluster: { name: 'app-db-before-0005' }, method: 'plugin' });
});
