import { Construct } from 'constructs';
import { Kustomization, KustomizationSpec, KustomizationSpecDecryptionProvider, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomize.toolkit.fluxcd.io';
import { EnvironmentDatabase, pendingMigrations, stageName } from '../config/databases';
import { EnvironmentConfig, MigrationConfig } from '../config/types';
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
  /** The environment's databases (databasesOf). */
  readonly databases: readonly EnvironmentDatabase[];
  /**
   * The migration catalog: the Jobs stage of a database waits as long as the longest
   * `activeDeadlineSeconds` of its pending migrations (at least an hour), plus a margin.
   * @default - no migrations
   */
  readonly migrations?: readonly MigrationConfig[];
}

/**
 * The Flux `Kustomization`s of an environment, in order: the admission policies; then for each
 * database its directory (after the operators it depends on, Ready once the Cluster reports
 * Ready); its pre-migration Backups (Ready once every Backup completed) and migration Jobs
 * (Ready once every Job completed); and, while one is configured, its restored clusters and
 * their verification. The environment's own database has the stages `cnpg-clusters`,
 * `cnpg-migrations`...; a further database `<stage>-<cluster>`, so one database's failing
 * migration never holds up another's. Workloads that need the new schema depend on the
 * migrations stage of their database.
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
    const deadlines = new Map((props.migrations ?? []).map((migration) => [migration.id, migration.activeDeadlineSeconds ?? 3600]));
    for (const database of props.databases) {
      const name = (stage: string) => stageName(stage, database);
      stage(name('CnpgClusters'), name('cnpg-clusters'), 'cnpg-clusters.yaml', {
        path: clustersDirectory(database),
        retryInterval: '2m',
        timeout: '15m',
        // The admission policies first: every database object is admitted under them.
        dependsOn: [...(flux.dependsOn ?? ['infra-controllers']), 'cnpg-policies'].map((dependency) => ({ name: dependency })),
        healthCheckExprs: [CLUSTER_HEALTH_CHECK],
        decryption: flux.sopsSecretName === undefined ? undefined : { provider: KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: flux.sopsSecretName } },
      });
      if ((database.restores ?? []).length > 0) {
        // Recovery replays every WAL file since the base backup: it may take hours.
        stage(name('Restores'), name('cnpg-restores'), 'cnpg-restores.yaml', {
          path: `${restoresDirectory(database)}/clusters`, retryInterval: '5m', timeout: '6h', dependsOn: [{ name: name('cnpg-clusters') }], healthCheckExprs: [CLUSTER_HEALTH_CHECK],
        });
        stage(name('RestoreVerification'), name('cnpg-restore-verification'), 'cnpg-restores.yaml', {
          path: `${restoresDirectory(database)}/verify`, retryInterval: '5m', timeout: '35m', dependsOn: [{ name: name('cnpg-restores') }],
        });
      }
      if ((database.migrations?.applied ?? []).length === 0) continue;
      const pending = pendingMigrations(database);
      if (pending.length > 0) {
        // A base backup of a large database takes a while.
        stage(name('MigrationBackups'), name('cnpg-migration-backups'), 'cnpg-migrations.yaml', {
          path: `${migrationsDirectory(database)}/backups`, retryInterval: '2m', timeout: '2h', dependsOn: [{ name: name('cnpg-clusters') }], healthCheckExprs: [BACKUP_HEALTH_CHECK],
        });
      }
      // Kept while every migration is settled: workloads depend on it.
      stage(name('Migrations'), name('cnpg-migrations'), 'cnpg-migrations.yaml', {
        path: `${migrationsDirectory(database)}/jobs`,
        retryInterval: '5m',
        timeout: `${Math.ceil(Math.max(3600, ...pending.map((id) => deadlines.get(id) ?? 3600)) / 60) + 5}m`,
        dependsOn: [{ name: pending.length > 0 ? name('cnpg-migration-backups') : name('cnpg-clusters') }],
      });
    }
  }
}
