import { Construct } from 'constructs';
import { KustomizationSpecDecryptionProvider } from '../../imports/flux-kustomize.toolkit.fluxcd.io';
import { EnvironmentDatabase, pendingMigrations } from '../config/databases';
import { EnvironmentConfig } from '../config/types';
import { FluxChart } from './flux-chart';
import { BACKUP_HEALTH_CHECK, CLUSTER_HEALTH_CHECK, FluxStage } from './flux-stage';
import { clustersDirectory, migrationsDirectory, MIGRATIONS_COMPLETE_FOLDER, migrationStageName, policiesDirectory, restoresDirectory, STAGES, stageName, syncDirectory } from './layout';

/** A database as its Flux stages see it (a CnpgClustersChart is one). */
export interface StagedDatabase {
  readonly environment: EnvironmentDatabase;
  readonly cluster: { readonly name: string; readonly namespace: string };
  /**
   * A clone's first base Backup, which its cluster stage checks with the Cluster.
   * @default - none
   */
  readonly cloneBaseBackup?: { readonly name: string };
}

export interface FluxSyncChartProps {
  readonly environment: EnvironmentConfig;
  /** The environment's databases, in the order of databasesOf(). */
  readonly databases: readonly StagedDatabase[];
}

/**
 * The Flux `Kustomization`s of an environment, in order: the admission policies; then for each
 * database its directory (after the operators it depends on, Ready once the Cluster reports
 * Ready); its migrations (`cnpg-migration-stages` applies one stage per pending migration,
 * chained so they run strictly one after the other, and `cnpg-migrations` is Ready once the last
 * one is); and, while one is configured, its restored clusters and their verification. The
 * environment's own database has the stages `cnpg-clusters`, `cnpg-migrations`...; a further
 * database `<stage>-<cluster>`, so one database's failing migration never holds up another's.
 * Workloads that need the new schema depend on the migrations stage of their database.
 *
 * Stages wait for each other only through `dependsOn`, which kustomize-controller re-checks
 * every 30 seconds; never by health-checking another stage, which would hold one of its few
 * workers (4 by default) until that stage is Ready or the timeout passes.
 */
export class FluxSyncChart extends FluxChart {
  constructor(scope: Construct, id: string, props: FluxSyncChartProps) {
    const env = props.environment;
    super(scope, id, {
      environment: env,
      namespace: 'flux-system',
      directory: syncDirectory(env.name),
      kustomization: false,
    });
    const flux = env.flux ?? {};
    const common = { sourceName: flux.sourceName ?? 'flux-system', interval: flux.interval ?? '10m' };

    new FluxStage(this, 'Policies', { ...common, name: STAGES.policies, file: 'cnpg-policies.yaml', path: policiesDirectory(env.name), retryInterval: '2m', timeout: '5m' });
    for (const staged of props.databases) {
      const database = staged.environment;
      const backup = staged.cloneBaseBackup;
      const name = (stage: string) => stageName(stage, database);
      new FluxStage(this, name('CnpgClusters'), {
        ...common,
        name: name(STAGES.clusters),
        file: 'cnpg-clusters.yaml',
        path: clustersDirectory(database),
        retryInterval: '2m',
        // A clone bootstraps by recovery, replaying the source's WAL: it may take hours, like a restore.
        timeout: env.cloneFrom ? '6h' : '15m',
        // The admission policies first: every database object is admitted under them.
        dependsOn: [...(flux.dependsOn ?? ['infra-controllers']), STAGES.policies],
        // A clone is Ready once its first base backup completed, too: point-in-time recovery of it
        // starts there. Checked by name on every reconciliation: Flux applies that Backup only while
        // it is absent, and leaves what it did not apply out of `wait`.
        healthChecks: backup && [
          { apiVersion: CLUSTER_HEALTH_CHECK.apiVersion, kind: 'Cluster', name: staged.cluster.name, namespace: staged.cluster.namespace },
          { apiVersion: BACKUP_HEALTH_CHECK.apiVersion, kind: 'Backup', name: backup.name, namespace: staged.cluster.namespace },
        ],
        healthCheckExprs: backup ? [CLUSTER_HEALTH_CHECK, BACKUP_HEALTH_CHECK] : [CLUSTER_HEALTH_CHECK],
        decryption: flux.sopsSecretName === undefined ? undefined : { provider: KustomizationSpecDecryptionProvider.SOPS, secretRef: { name: flux.sopsSecretName } },
      });
      if ((database.restores ?? []).length > 0) {
        // Recovery replays every WAL file since the base backup: it may take hours.
        new FluxStage(this, name('Restores'), {
          ...common, name: name(STAGES.restores), file: 'cnpg-restores.yaml', path: `${restoresDirectory(database)}/clusters`, retryInterval: '5m', timeout: '6h', dependsOn: [name(STAGES.clusters)], healthCheckExprs: [CLUSTER_HEALTH_CHECK],
        });
        new FluxStage(this, name('RestoreVerification'), {
          ...common, name: name(STAGES.restoreVerification), file: 'cnpg-restores.yaml', path: `${restoresDirectory(database)}/verify`, retryInterval: '5m', timeout: '35m', dependsOn: [name(STAGES.restores)],
        });
      }
      if ((database.migrations?.applied ?? []).length === 0) continue;
      const stages = new FluxStage(this, name('MigrationStages'), {
        ...common,
        name: name(STAGES.migrationStages),
        file: 'cnpg-migrations.yaml',
        path: migrationsDirectory(database),
        retryInterval: '2m',
        timeout: '5m',
        dependsOn: [name(STAGES.clusters)],
        wait: false,
      });
      // Applies an empty folder: Ready once the last pending migration's stage is, and kept
      // while every migration is settled, since workloads depend on it.
      const last = pendingMigrations(database).at(-1);
      new FluxStage(this, name('Migrations'), {
        ...common,
        name: name(STAGES.migrations),
        file: 'cnpg-migrations.yaml',
        path: `${migrationsDirectory(database)}/${MIGRATIONS_COMPLETE_FOLDER}`,
        retryInterval: '2m',
        timeout: '5m',
        dependsOn: [stages.name, ...(last === undefined ? [] : [migrationStageName(last, database)])],
      });
    }
  }
}
