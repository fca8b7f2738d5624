import { EnvironmentConfig } from './types';

/** Staging: two instances, bootstrapped as a clone of production's archive. */
export const staging = {
  name: 'staging',
  namespace: 'databases',
  cluster: {
    name: 'app-db',
    instances: 2,
    // Data and WAL volumes as large as production's: a clone takes its source's sizes.
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
  migrations: {
    migratorCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/staging/app-db-migrator' },
    applied: ['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized', '0005-drop-email'],
  },
  // Printed by each migration Job on this clone; production applies only what is recorded here.
  migrationValidations: [
    { migration: '0001-create-users', sqlSha256: 'sha256:f4b54c81b802a327f4bfc9b6d31abed801c6a26e8c1672ac4dab0357c90d39b6', validatedAt: '2026-11-16T14:02:11Z', clonedOn: '2026-11-16' },
    { migration: '0002-add-email-normalized', sqlSha256: 'sha256:e2e942789c183927e776480af193162bef67d67b27b7efecdaa2edb1728de362', validatedAt: '2026-11-17T09:12:40Z', clonedOn: '2026-11-16' },
    { migration: '0003-backfill-email-normalized', sqlSha256: 'sha256:33f5934cf2a1d74f57ef6253921aa215ca28bcbaac51ebecafb1707d68f0ea57', validatedAt: '2026-11-17T09:14:03Z', clonedOn: '2026-11-16' },
    { migration: '0004-index-email-normalized', sqlSha256: 'sha256:3b2a3eba2a8640cf4b4d802c7d3aaf8f622a0f771024701a29a995323d61d26d', validatedAt: '2026-11-17T09:20:55Z', clonedOn: '2026-11-16' },
    { migration: '0005-drop-email', sqlSha256: 'sha256:943fce8b24efbc9498f35ce35591569a5549720d0f80ffe83fe7f5e7feed017e', validatedAt: '2026-11-19T10:05:31Z', clonedOn: '2026-11-16' },
  ],
} satisfies EnvironmentConfig;
