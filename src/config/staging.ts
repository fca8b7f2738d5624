import { EnvironmentConfig } from './types';

/** Staging: two instances, bootstrapped as a clone of production's archive. */
export const staging = {
  name: 'staging',
  namespace: 'databases',
  cluster: {
    name: 'app-db',
    instances: 2,
    storageSize: '20Gi',
    resources: {
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { memory: '2Gi' },
    },
  },
  objectStore: {
    provider: 'cloudflare-r2',
    destinationPath: 's3://acme-cnpg-staging/',
    endpointURL: 'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com',
    credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/staging/r2' },
  },
  backup: {
    schedule: '0 0 3 * * *',
    retentionPolicy: '14d',
  },
  cloneFrom: {
    environment: 'production',
    clonedOn: '2026-11-16',
    credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/production/r2-read-only' },
  },
} satisfies EnvironmentConfig;
