import { EnvironmentConfig } from './types';

/** Develop: one small instance, a week of backups, operator-generated credentials. */
export const develop = {
  name: 'develop',
  namespace: 'databases',
  cluster: {
    name: 'app-db',
    instances: 1,
    storageSize: '5Gi',
  },
  objectStore: {
    provider: 'cloudflare-r2',
    destinationPath: 's3://acme-cnpg-develop/',
    endpointURL: 'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com',
    credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/develop/r2' },
  },
  backup: {
    schedule: '0 0 3 * * *',
    retentionPolicy: '7d',
  },
  migrations: {
    migratorCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/develop/app-db-migrator' },
    applied: ['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized', '0005-drop-email'],
  },
} satisfies EnvironmentConfig;
