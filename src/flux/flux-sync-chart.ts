import { Construct } from 'constructs';
import { KustomizationSpecDecryptionProvider } from '../../imports/flux-kustomize.toolkit.fluxcd.io';
import { EnvironmentDatabase, migrationsDuration } from '../config/databases';
import { EnvironmentConfig, MigrationConfig } from '../config/types';
import { FluxChart } from './flux-chart';
import { BACKUP_HEALTH_CHECK, CLUSTER_HEALTH_CHECK, FluxStage } from './flux-stage';
import { clustersDirectory, migrationsDirectory, policiesDirectory, restoresDirectory, STAGES, stageName, syncDirectory } from './layout';

export interface FluxSyncChartProps {
  readonly environment: EnvironmentConfig;
  /** The environment's databases (databasesOf). */
  readonly databases: readonly EnvironmentDatabase[];
  /**
   * The migration catalog: a database's migrations stage waits as long as its pending
   * migrations may take one after the other.
   * @default - no migrations
   */
  readonly migrations?: readonly MigrationConfig[];
}

/**
 * The Flux `Kustomization`s of an environment, in order: the admission policies; then for each
 * database its directory (after the operators it depends on, Ready once the Cluster reports
 * Ready); its migrations (a stage that applies one stage per pending migration, chained so they
 * run strictly one after the other, and is Ready once the last one is); and, while one is
 * configured, its restored clusters and their verification. The environment's own database has
 * the stages `cnpg-clusters`, `cnpg-migrations`...; a further database `<stage>-<cluster>`, so
 * one database's failing migration never holds up another's. Workloads that need the new
 * schema depend on the migrations stage of their database.
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
    for (const database of props.databases) {
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
        // A clone is Ready once its first base backup completed, too: point-in-time recovery of it starts there.
        healthCheckExprs: env.cloneFrom ? [CLUSTER_HEALTH_CHECK, BACKUP_HEALTH_CHECK] : [CLUSTER_HEALTH_CHECK],
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
      // Kept while every migration is settled: workloads depend on it.
      new FluxStage(this, name('Migrations'), {
        ...common,
        name: name(STAGES.migrations),
        file: 'cnpg-migrations.yaml',
        path: migrationsDirectory(database),
        retryInterval: '5m',
        timeout: `${Math.ceil(Math.max(3600, migrationsDuration(database, props.migrations ?? [])) / 60) + 5}m`,
        dependsOn: [name(STAGES.clusters)],
      });
    }
  }
}
