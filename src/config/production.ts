import { EnvironmentConfig } from './types';

/** Production: three instances across zones, a month of backups, credentials from the store. */
export const production = {
  name: 'production',
  namespace: 'databases',
  cluster: {
    name: 'app-db',
    instances: 3,
    storageSize: '100Gi',
    walStorageSize: '20Gi',
    resources: {
      requests: { cpu: '2', memory: '8Gi' },
      limits: { memory: '8Gi' },
    },
    topologyKey: 'topology.kubernetes.io/zone',
    podAntiAffinityType: 'required',
    enableSuperuserAccess: false,
  },
  objectStore: {
    provider: 'cloudflare-r2',
    destinationPath: 's3://acme-cnpg-production/',
    endpointURL: 'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com',
    credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/production/r2' },
  },
  backup: {
    schedule: '0 0 3 * * *',
    retentionPolicy: '30d',
  },
  appCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/production/app-db' },
  migrations: {
    migratorCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/production/app-db-migrator' },
    applied: ['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized', '0005-drop-email'],
  },
} satisfies EnvironmentConfig;
