import { Construct } from 'constructs';
import { Kustomization, KustomizationSpec, KustomizationSpecDecryptionProvider, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomize.toolkit.fluxcd.io';
import { EnvironmentConfig } from '../config/types';
import { FluxChart } from '../flux/flux-chart';
import { placeInFile } from '../flux/placement';
import { clustersDirectory } from './cnpg-clusters-chart';
import { migrationsDirectory } from './cnpg-migrations-chart';
import { policiesDirectory } from './cnpg-policies-chart';
import { restoresDirectory } from './cnpg-restores-chart';

/** Flux health expressions for CNPG kinds: kstatus alone reads them as ready too early. */
export const CLUSTER_HEALTH_CHECK = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  current: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
  failed: "status.phase == 'Cluster is unrecoverable and needs manual intervention'",
};

/**
 * A Backup has only `status.phase`: without this expression kstatus reads it as ready at once
 * and the migration would start before its backup exists.
 */
export const BACKUP_HEALTH_CHECK = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Backup',
  current: "status.phase == 'completed'",
  failed: "status.phase in ['failed', 'invalid backup definition', 'walArchivingFailing']",
};

export interface FluxSyncChartProps {
  readonly environment: EnvironmentConfig;
  /**
   * The longest `activeDeadlineSeconds` of the environment's migrations: the Jobs stage waits
   * that long (plus a margin) before Flux gives up on it.
   * @default 3600
   */
  readonly migrationDeadlineSeconds?: number;
}

/**
 * The Flux `Kustomization`s of an environment, in order: the admission policies; the database
 * directory (after the operators it depends on, Ready once the Cluster reports Ready); then the
 * pre-migration Backups (Ready once every Backup completed) and the migration Jobs (Ready once
 * every Job completed); and, while one is configured, the restored clusters and their
 * verification. Workloads that need the new schema depend on `cnpg-migrations`.
 */
export class FluxSyncChart extends FluxChart {
  constructor(scope: Construct, id: string, props: FluxSyncChartProps) {
    const env = props.environment;
    super(scope, id, {
      environment: env,
      namespace: 'flux-system',
      directory: `clusters/${env.name}`,
      kustomization: false,
    });
    const flux = env.flux ?? {};
    const interval = flux.interval ?? '10m';

    const source = { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: flux.sourceName ?? 'flux-system' };
    /** One Flux stage: pruned, Ready only once everything it applied is healthy, in its file. */
    const stage = (stageId: string, name: string, file: string, spec: { path: string; timeout: string; retryInterval: string } & Omit<KustomizationSpec, 'interval' | 'prune' | 'sourceRef' | 'path'>) => {
      const kustomization = new Kustomization(this, stageId, {
        metadata: { name },
        spec: { interval, prune: true, wait: true, sourceRef: source, ...spec, path: `./flux/${spec.path}` },
      });
      placeInFile(kustomization, file);
    };

    stage('Policies', 'cnpg-policies', 'cnpg-policies.yaml', { path: policiesDirectory(env.name), retryInterval: '2m', timeout: '5m' });
    stage('CnpgClusters', 'cnpg-clusters', 'cnpg-clusters.yaml', {
      path: clustersDirectory(env.name),
      retryInterval: '2m',
      timeout: '15m',
      // The admission policies first: every database object is admitted under them.
      dependsOn: [...(flux.dependsOn ?? ['infra-controllers']), 'cnpg-policies'].map((name) => ({ name })),
      healthCheckExprs: [CLUSTER_HEALTH_CHECK],
      decryption: flux.sopsSecretName === undefined ? undefined : { provider: KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: flux.sopsSecretName } },
    });
    if ((env.restores ?? []).length > 0) {
      // Recovery replays every WAL file since the base backup: it may take hours.
      stage('Restores', 'cnpg-restores', 'cnpg-restores.yaml', {
        path: `${restoresDirectory(env.name)}/clusters`, retryInterval: '5m', timeout: '6h', dependsOn: [{ name: 'cnpg-clusters' }], healthCheckExprs: [CLUSTER_HEALTH_CHECK],
      });
      stage('RestoreVerification', 'cnpg-restore-verification', 'cnpg-restores.yaml', {
        path: `${restoresDirectory(env.name)}/verify`, retryInterval: '5m', timeout: '35m', dependsOn: [{ name: 'cnpg-restores' }],
      });
    }
    if ((env.migrations?.applied ?? []).length > 0) {
      // A base backup of a large database takes a while.
      stage('MigrationBackups', 'cnpg-migration-backups', 'cnpg-migrations.yaml', {
        path: `${migrationsDirectory(env.name)}/backups`, retryInterval: '2m', timeout: '2h', dependsOn: [{ name: 'cnpg-clusters' }], healthCheckExprs: [BACKUP_HEALTH_CHECK],
      });
      stage('Migrations', 'cnpg-migrations', 'cnpg-migrations.yaml', {
        path: `${migrationsDirectory(env.name)}/jobs`,
        retryInterval: '5m',
        timeout: `${Math.ceil((props.migrationDeadlineSeconds ?? 3600) / 60) + 5}m`,
        dependsOn: [{ name: 'cnpg-migration-backups' }],
      });
    }
  }
}
