import { constructChart } from '../helpers/construct-chart';
import { Testing } from 'cdk8s';
import { CnpgCluster } from '../../src/constructs/cnpg-cluster';
import { ScheduledBackup, ScheduledBackupProps } from '../../src/constructs/scheduled-backup';

function setup(props: Omit<ScheduledBackupProps, 'cluster'>) {
  const chart = constructChart();
  const cluster = new CnpgCluster(chart, 'Db', {
    name: 'app-db', storageSize: '5Gi', retentionPolicy: '7d',
    objectStore: { provider: 'aws-s3', destinationPath: 's3://bucket/', credentials: { clusterSecretStore: 'store', remoteKey: 'k' } },
  });
  const backup = new ScheduledBackup(chart, 'Backup', { cluster, ...props });
  return { backup, manifest: Testing.synth(chart).find((m) => m.kind === 'ScheduledBackup') };
}

test('method plugin with the Barman Cloud pluginConfiguration, owned by itself, immediate', () => {
  const { backup, manifest } = setup({ schedule: '0 0 3 * * *' });
  expect(manifest.metadata.name).toBe('app-db-scheduled');
  expect(manifest.spec).toEqual({
    cluster: { name: 'app-db' },
    schedule: '0 0 3 * * *',
    method: 'plugin',
    pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
    backupOwnerReference: 'self',
    immediate: true,
    target: 'prefer-standby',
  });
  expect(backup.cluster.name).toBe('app-db');
  expect(backup.schedule).toBe('0 0 3 * * *');
});

test('all props', () => {
  const { manifest } = setup({ schedule: '0 30 2 * * *', target: 'primary', name: 'nightly' } satisfies Required<Omit<ScheduledBackupProps, 'cluster'>>);
  expect(manifest.metadata.name).toBe('nightly');
  expect(manifest.spec.target).toBe('primary');
  expect(manifest.spec.schedule).toBe('0 30 2 * * *');
});
