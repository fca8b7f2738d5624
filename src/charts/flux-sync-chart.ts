import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecDecryptionProvider, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomize.toolkit.fluxcd.io';
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
 * The Flux `Kustomization`s of an environment: the database directory (after the operators it
 * depends on, Ready once the Cluster reports Ready), then the pre-migration Backups (Ready once
 * every Backup completed), then the migration Jobs (Ready once every Job completed). Workloads
 * that need the new schema depend on `cnpg-migrations`.
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
    const policies = new Kustomization(this, 'Policies', {
      metadata: { name: 'cnpg-policies' },
      spec: {
        interval,
        retryInterval: '2m',
        timeout: '5m',
        path: `./flux/${policiesDirectory(env.name)}`,
        prune: true,
        wait: true,
        sourceRef: source,
      },
    });
    placeInFile(policies, 'cnpg-policies.yaml');

    const kustomization = new Kustomization(this, 'CnpgClusters', {
      metadata: { name: 'cnpg-clusters' },
      spec: {
        interval,
        retryInterval: '2m',
        timeout: '15m',
        path: `./flux/${clustersDirectory(env.name)}`,
        prune: true,
        wait: true,
        sourceRef: source,
        // The admission policies first: every database object is admitted under them.
        dependsOn: [...(flux.dependsOn ?? ['infra-controllers']), 'cnpg-policies'].map((name) => ({ name })),
        healthCheckExprs: [CLUSTER_HEALTH_CHECK],
        decryption: flux.sopsSecretName === undefined ? undefined : { provider: KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: flux.sopsSecretName } },
      },
    });
    placeInFile(kustomization, 'cnpg-clusters.yaml');

    if ((env.restores ?? []).length > 0) {
      const restores = new Kustomization(this, 'Restores', {
        metadata: { name: 'cnpg-restores' },
        spec: {
          interval,
          retryInterval: '5m',
          // Recovery replays every WAL file since the base backup.
          timeout: '6h',
          path: `./flux/${restoresDirectory(env.name)}/clusters`,
          prune: true,
          wait: true,
          sourceRef: source,
          dependsOn: [{ name: 'cnpg-clusters' }],
          healthCheckExprs: [CLUSTER_HEALTH_CHECK],
        },
      });
      const verification = new Kustomization(this, 'RestoreVerification', {
        metadata: { name: 'cnpg-restore-verification' },
        spec: {
          interval,
          retryInterval: '5m',
          timeout: '35m',
          path: `./flux/${restoresDirectory(env.name)}/verify`,
          prune: true,
          wait: true,
          sourceRef: source,
          dependsOn: [{ name: 'cnpg-restores' }],
        },
      });
      placeInFile(restores, 'cnpg-restores.yaml');
      placeInFile(verification, 'cnpg-restores.yaml');
    }
    if ((env.migrations?.applied ?? []).length === 0) return;

    const backups = new Kustomization(this, 'MigrationBackups', {
      metadata: { name: 'cnpg-migration-backups' },
      spec: {
        interval,
        retryInterval: '2m',
        // A base backup of a large database takes a while.
        timeout: '2h',
        path: `./flux/${migrationsDirectory(env.name)}/backups`,
        prune: true,
        wait: true,
        sourceRef: source,
        dependsOn: [{ name: 'cnpg-clusters' }],
        healthCheckExprs: [BACKUP_HEALTH_CHECK],
      },
    });
    const jobs = new Kustomization(this, 'Migrations', {
      metadata: { name: 'cnpg-migrations' },
      spec: {
        interval,
        retryInterval: '5m',
        timeout: `${Math.ceil((props.migrationDeadlineSeconds ?? 3600) / 60) + 5}m`,
        path: `./flux/${migrationsDirectory(env.name)}/jobs`,
        prune: true,
        wait: true,
        sourceRef: source,
        dependsOn: [{ name: 'cnpg-migration-backups' }],
      },
    });
    placeInFile(backups, 'cnpg-migrations.yaml');
    placeInFile(jobs, 'cnpg-migrations.yaml');
  }
}
