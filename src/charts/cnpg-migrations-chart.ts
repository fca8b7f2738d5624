import { Construct } from 'constructs';
import { EnvironmentDatabase, pendingMigrations } from '../config/databases';
import { MigrationConfig } from '../config/types';
import { CnpgCluster } from '../constructs/cnpg-cluster';
import { CloneValidation, GuardedMigrationJob, MigrationPredecessor } from '../constructs/guarded-migration-job';
import { MigrationScripts } from '../constructs/migration-scripts';
import { SettledMigrations } from '../constructs/settled-migrations';
import { FluxChart } from '../flux/flux-chart';
import { FluxStage } from '../flux/flux-stage';
import { migrationFile, migrationsDirectory, MIGRATIONS_COMPLETE_FOLDER, migrationStageName, MIGRATION_STAGES_FILE, STAGES, stageName } from '../flux/layout';
import { placeInFile } from '../flux/placement';
import { suppressGuardrail } from '../guardrails/suppressions';
import { sqlSha256 } from '../migrations/analysis';

export interface CnpgMigrationsChartProps {
  readonly environment: EnvironmentDatabase;
  /** The cluster the migrations change. */
  readonly cluster: CnpgCluster;
  /** The scripts the migration Jobs mount (rendered with the cluster). */
  readonly scripts?: MigrationScripts;
  /** The migration catalog. */
  readonly migrations: readonly MigrationConfig[];
  /** Reads a file of the repository (the SQL). */
  readonly readFile: (path: string) => string;
  /**
   * Evidence from the environment that clones this one.
   * @default - no clone: nothing to validate against
   */
  readonly cloneValidation?: Omit<CloneValidation, 'record' | 'maxCloneAgeDays'> & { readonly records: CloneValidation['record'][] };
}

/**
 * One database's migrations, strictly in the order the config applies them: each pending one a
 * GuardedMigrationJob in its own folder, applied by its own Flux stage that starts only once
 * the stage of the migration before it is Ready (its Job completed), so its gate takes the
 * pre-migration Backup only after that migration ran, and a failed migration stops every later
 * one. The stages are listed in this directory's `stages.yaml`, which the database's
 * `cnpg-migration-stages` applies; `cnpg-migrations` applies the empty folder `complete/` once
 * the last of them is Ready. Each settled migration is only a record the guardrails see.
 */
export class CnpgMigrationsChart extends FluxChart {
  public readonly jobs: GuardedMigrationJob[];
  /**
   * The database's migration stages: `cnpg-migrations`, which workloads depend on,
   * `cnpg-migration-stages`, which applies the others, then one per pending migration, in order.
   */
  public readonly stages: string[];

  constructor(scope: Construct, id: string, props: CnpgMigrationsChartProps) {
    const env = props.environment;
    super(scope, id, { environment: env, namespace: env.namespace, directory: migrationsDirectory(env), emptyKustomization: true, emptyFolders: [MIGRATIONS_COMPLETE_FOLDER] });
    const catalog = new Map(props.migrations.map((migration) => [migration.id, migration]));
    const pending = pendingMigrations(env);
    const applied = env.migrations?.applied ?? [];
    const settled = applied.slice(0, applied.length - pending.length);
    if (settled.length > 0) new SettledMigrations(this, 'Settled', { migrations: settled.map((migrationId) => catalog.get(migrationId)!), cluster: props.cluster });
    const lastSettled = settled.length > 0 ? catalog.get(settled[settled.length - 1])! : undefined;
    let after: MigrationPredecessor | undefined = lastSettled && { migrationId: lastSettled.id, sqlSha256: sqlSha256(props.readFile(lastSettled.sql)) };
    let previousStage = stageName(STAGES.clusters, env);
    this.stages = [stageName(STAGES.migrations, env), stageName(STAGES.migrationStages, env)];
    this.jobs = pending.map((migrationId) => {
      const migration = catalog.get(migrationId)!;
      const job = new GuardedMigrationJob(this, migrationId, {
        cluster: props.cluster,
        migration,
        scripts: props.scripts!,
        sql: props.readFile(migration.sql),
        downSql: migration.rollback.downSql === undefined ? undefined : props.readFile(migration.rollback.downSql),
        sqlFiles: { sql: migration.sql, downSql: migration.rollback.downSql },
        after,
        maxBackupAgeMinutes: env.migrations?.maxBackupAgeMinutes,
        gateImage: env.migrations?.gateImage,
        clonedOn: env.cloneFrom?.clonedOn,
        cloneValidation: props.cloneValidation && {
          environment: props.cloneValidation.environment,
          cluster: props.cloneValidation.cluster,
          record: props.cloneValidation.records.find((record) => record?.migration === migrationId),
          maxCloneAgeDays: env.migrations?.maxCloneAgeDays ?? 7,
        },
        qualifyNames: Boolean(env.qualifier),
      });
      for (const suppression of migration.suppressions ?? []) suppressGuardrail(job, suppression);
      placeInFile(job, migrationFile(migrationId));
      const stage = new FluxStage(this, `${migrationId}-stage`, {
        name: migrationStageName(migrationId, env),
        path: `${this.directory}/${migrationId}`,
        sourceName: env.flux?.sourceName ?? 'flux-system',
        interval: env.flux?.interval ?? '10m',
        retryInterval: '2m',
        // The gate waits for the backup and the ledger for the migration before, within the Job's deadline.
        timeout: `${Math.ceil((migration.activeDeadlineSeconds ?? 3600) / 60) + 5}m`,
        dependsOn: [previousStage],
        healthChecks: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.jobName, namespace: env.namespace }],
        file: MIGRATION_STAGES_FILE,
      });
      previousStage = stage.name;
      this.stages.push(stage.name);
      after = job;
      return job;
    });
  }
}
