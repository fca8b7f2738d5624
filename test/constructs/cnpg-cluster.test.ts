import { constructChart } from '../helpers/construct-chart';
import { Chart, Testing } from 'cdk8s';
import { CnpgCluster, CnpgClusterProps } from '../../src/constructs/cnpg-cluster';

const objectStore = {
  provider: 'cloudflare-r2' as const,
  destinationPath: 's3://bucket/',
  endpointURL: 'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com',
  credentials: { clusterSecretStore: 'store', remoteKey: 'r2' },
};

function synth(build: (chart: Chart) => void): any[] {
  const chart = constructChart();
  build(chart);
  return Testing.synth(chart);
}

const find = (manifests: any[], kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

describe('CnpgCluster', () => {
  test('defaults: one instance, plugin WAL archiving to its own store, initdb, no superuser', () => {
    let cluster!: CnpgCluster;
    const manifests = synth((chart) => { cluster = new CnpgCluster(chart, 'Db', { name: 'app-db', storageSize: '5Gi', objectStore, retentionPolicy: '7d' }); });
    const spec = find(manifests, 'Cluster', 'app-db').spec;
    expect(spec.instances).toBe(1);
    expect(spec.enableSuperuserAccess).toBe(false);
    expect(spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie');
    expect(spec.plugins).toEqual([{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'app-db-store', serverName: 'app-db' } }]);
    expect(spec.bootstrap).toEqual({ initdb: { database: 'app', owner: 'app' } });
    expect(spec.backup).toBeUndefined();
    expect(spec.managed).toBeUndefined();
    expect(find(manifests, 'Cluster', 'app-db').metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });

    expect(cluster.name).toBe('app-db');
    expect(cluster.serverName).toBe('app-db');
    expect(cluster.appSecretName).toBe('app-db-app');
    expect(cluster.readWriteServiceHost).toBe('app-db-rw.default.svc');
    expect(cluster.readOnlyServiceHost).toBe('app-db-ro.default.svc');
    expect(cluster.objectStore.name).toBe('app-db-store');
    expect(cluster.caSecretName).toBe('app-db-ca');
    expect(cluster.migratorRole).toBeUndefined();
  });

  test('a migrator: a managed role in the owner, its Secret, and the checkpoint grants for it alone', () => {
    let cluster!: CnpgCluster;
    const manifests = synth((chart) => {
      cluster = new CnpgCluster(chart, 'Db', { name: 'app-db', storageSize: '5Gi', objectStore, retentionPolicy: '7d', migrator: { credentials: { clusterSecretStore: 'store', remoteKey: 'cnpg/app-db-migrator' } } });
    });
    const spec = find(manifests, 'Cluster', 'app-db').spec;
    expect(spec.managed.roles).toEqual([{
      name: 'migrator',
      login: true,
      inRoles: ['app'],
      passwordSecret: { name: 'app-db-migrator' },
      comment: 'schema migrations (cnpg-gitops): member of app, may create restore points',
    }]);
    expect(spec.bootstrap.initdb.postInitApplicationSQL).toEqual([
      'CREATE ROLE "migrator" LOGIN IN ROLE "app"',
      'GRANT EXECUTE ON FUNCTION pg_catalog.pg_create_restore_point(text) TO "migrator"',
      'GRANT EXECUTE ON FUNCTION pg_catalog.pg_switch_wal() TO "migrator"',
    ]);
    const secret = find(manifests, 'ExternalSecret', 'app-db-migrator');
    expect(secret.spec.target.template).toEqual({ type: 'kubernetes.io/basic-auth', metadata: { labels: { 'cnpg.io/reload': 'true' } }, data: { username: 'migrator', password: '{{ .password }}' } });
    expect(secret.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'cnpg/app-db-migrator', property: 'password' } }]);
    expect(cluster.migratorRole).toBe('migrator');
    expect(cluster.migratorSecretName).toBe('app-db-migrator');
  });

  test('the ObjectStore carries R2 settings, retention and secret references, never serverName', () => {
    const manifests = synth((chart) => new CnpgCluster(chart, 'Db', { name: 'app-db', storageSize: '5Gi', objectStore, retentionPolicy: '7d' }));
    const store = find(manifests, 'ObjectStore', 'app-db-store');
    expect(store.spec.retentionPolicy).toBe('7d');
    expect(store.spec.configuration).toEqual({
      destinationPath: 's3://bucket/',
      endpointURL: objectStore.endpointURL,
      s3Credentials: {
        accessKeyId: { name: 'app-db-store-credentials', key: 'ACCESS_KEY_ID' },
        secretAccessKey: { name: 'app-db-store-credentials', key: 'ACCESS_SECRET_KEY' },
      },
      wal: { compression: 'gzip', maxParallel: 2 },
      data: { compression: 'gzip', immediateCheckpoint: true },
    });
    expect(store.spec.instanceSidecarConfiguration.env).toEqual([
      { name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' },
      { name: 'AWS_RESPONSE_CHECKSUM_VALIDATION', value: 'when_required' },
    ]);
    const credentials = find(manifests, 'ExternalSecret', 'app-db-store-credentials');
    expect(credentials.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'store' });
    expect(credentials.spec.data.map((d: any) => d.remoteRef)).toEqual([{ key: 'r2', property: 'ACCESS_KEY_ID' }, { key: 'r2', property: 'ACCESS_SECRET_KEY' }]);
  });

  test('AWS S3 gets no checksum workaround', () => {
    const manifests = synth((chart) => new CnpgCluster(chart, 'Db', {
      name: 'app-db', storageSize: '5Gi', retentionPolicy: '7d',
      objectStore: { provider: 'aws-s3', destinationPath: 's3://bucket/', credentials: objectStore.credentials },
    }));
    expect(find(manifests, 'ObjectStore', 'app-db-store').spec.instanceSidecarConfiguration).toBeUndefined();
  });

  test('all props', () => {
    let source!: CnpgCluster;
    let clone!: CnpgCluster;
    const props: Required<CnpgClusterProps> = {
      name: 'clone',
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie',
      storageSize: '10Gi',
      storageClass: 'fast',
      walStorageSize: '2Gi',
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      topologyKey: 'topology.kubernetes.io/zone',
      podAntiAffinityType: 'required',
      enableSuperuserAccess: true,
      database: 'shop',
      owner: 'shop_owner',
      postgresqlParameters: { max_connections: '200' },
      objectStore: { ...objectStore, walCompression: 'zstd', dataCompression: 'lz4', walMaxParallel: 8 },
      retentionPolicy: '30d',
      serverName: 'clone-v2',
      appCredentials: { clusterSecretStore: 'store', remoteKey: 'app', refreshInterval: '5m' },
      migrator: { role: 'shop_migrator', credentials: { clusterSecretStore: 'store', remoteKey: 'migrator' } },
      recoverFrom: undefined as never,
    };
    const manifests = synth((chart) => {
      source = new CnpgCluster(chart, 'Source', { name: 'source', storageSize: '10Gi', objectStore, retentionPolicy: '30d' });
      clone = new CnpgCluster(chart, 'Clone', { ...props, recoverFrom: { cluster: source, credentials: { clusterSecretStore: 'store', remoteKey: 'read-only' } } });
    });
    const spec = find(manifests, 'Cluster', 'clone').spec;
    expect(spec).toMatchObject({
      instances: 3,
      imageName: props.imageName,
      enableSuperuserAccess: true,
      storage: { size: '10Gi', storageClass: 'fast' },
      walStorage: { size: '2Gi', storageClass: 'fast' },
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      affinity: { enablePodAntiAffinity: true, topologyKey: 'topology.kubernetes.io/zone', podAntiAffinityType: 'required' },
      postgresql: { parameters: { max_connections: '200' } },
      bootstrap: { recovery: { source: 'origin', database: 'shop', owner: 'shop_owner', secret: { name: 'clone-app' } } },
      externalClusters: [{ name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'clone-recovery-source', serverName: 'source' } } }],
      plugins: [{ parameters: { barmanObjectName: 'clone-store', serverName: 'clone-v2' } }],
    });
    const recoverySource = find(manifests, 'ObjectStore', 'clone-recovery-source');
    expect(recoverySource.spec.configuration.destinationPath).toBe('s3://bucket/');
    expect(recoverySource.spec.retentionPolicy).toBeUndefined();
    expect(find(manifests, 'ObjectStore', 'clone-store').spec.configuration.wal).toEqual({ compression: 'zstd', maxParallel: 8 });
    const app = find(manifests, 'ExternalSecret', 'clone-app');
    expect(app.spec.refreshInterval).toBe('5m');
    expect(app.spec.target.template).toEqual({ type: 'kubernetes.io/basic-auth', metadata: { labels: { 'cnpg.io/reload': 'true' } }, data: { username: 'shop_owner', password: '{{ .password }}' } });
    expect(clone.recoveredFrom?.cluster).toBe(source);
    expect(clone.appSecretName).toBe('clone-app');
    expect(spec.managed.roles[0]).toMatchObject({ name: 'shop_migrator', inRoles: ['shop_owner'], passwordSecret: { name: 'clone-migrator' } });
    expect(clone.migratorRole).toBe('shop_migrator');
  });
});
