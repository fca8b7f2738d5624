import { Construct } from 'constructs';
import { databaseDirectory, EnvironmentDatabase, pendingMigrations } from '../config/databases';
import { MigrationConfig } from '../config/types';
import { CnpgCluster } from '../constructs/cnpg-cluster';
import { CloneValidation, GuardedMigrationJob } from '../constructs/guarded-migration-job';
import { MigrationScripts } from '../constructs/migration-scripts';
import { SettledMigration } from '../constructs/settled-migration';
import { FluxChart } from '../flux/flux-chart';
import { suppressGuardrail } from '../guardrails/suppressions';

/** Directory of a database's migrations, relative to `flux/`: `backups/` and `jobs/` below it. */
export function migrationsDirectory(database: EnvironmentDatabase): string {
  return databaseDirectory('infrastructure/data/cnpg-migrations', database);
}

export interface CnpgMigrationsChartProps {
  readonly environment: EnvironmentDatabase;
  /** The cluster the migrations change. */
  readonly cluster: CnpgCluster;
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
 * One database's migrations, in the order the config applies them: each pending one a
 * GuardedMigrationJob, each settled one only a record the guardrails see.
 */
export class CnpgMigrationsChart extends FluxChart {
  public readonly jobs: GuardedMigrationJob[];

  constructor(scope: Construct, id: string, props: CnpgMigrationsChartProps) {
    const env = props.environment;
    super(scope, id, { environment: env, namespace: env.namespace, directory: migrationsDirectory(env) });
    const catalog = new Map(props.migrations.map((migration) => [migration.id, migration]));
    const pending = pendingMigrations(env);
    const applied = env.migrations?.applied ?? [];
    for (const migrationId of applied.slice(0, applied.length - pending.length)) {
      new SettledMigration(this, migrationId, catalog.get(migrationId)!, props.cluster.name);
    }
    const scripts = new MigrationScripts(this, 'Scripts', env.qualifier ? `${env.qualifier}-` : '');
    this.jobs = pending.map((migrationId) => {
      const migration = catalog.get(migrationId)!;
      const job = new GuardedMigrationJob(this, migrationId, {
        cluster: props.cluster,
        migration,
        scripts,
        sql: props.readFile(migration.sql),
        downSql: migration.rollback.downSql === undefined ? undefined : props.readFile(migration.rollback.downSql),
        maxBackupAgeMinutes: env.migrations?.maxBackupAgeMinutes,
        gateImage: env.migrations?.gateImage,
        clonedOn: env.cloneFrom?.clonedOn,
        cloneValidation: props.cloneValidation && {
          environment: props.cloneValidation.environment,
          configPrefix: props.cloneValidation.configPrefix,
          record: props.cloneValidation.records.find((record) => record?.migration === migrationId),
          maxCloneAgeDays: env.migrations?.maxCloneAgeDays ?? 7,
        },
        qualifyNames: Boolean(env.qualifier),
      });
      for (const suppression of migration.suppressions ?? []) suppressGuardrail(job, suppression);
      return job;
    });
  }
}
