import { DatabaseConfig, EnvironmentConfig } from './types';

/**
 * One database of an environment, resolved: an EnvironmentConfig whose `cluster`, object store,
 * migrations and restores are this database's, with what it inherits filled in.
 */
export interface EnvironmentDatabase extends EnvironmentConfig {
  /**
   * Empty for the environment's own database; the cluster name for one of its `databases`. It
   * names the database's subdirectories, Flux stages and runbook folder.
   * @default ''
   */
  readonly qualifier?: string;
  /**
   * The database this one recovers from in the environment it clones (`DatabaseConfig.cloneOf`).
   * @default - the one of the same cluster name
   */
  readonly cloneOf?: string;
  /**
   * Where the database's fields are in its environment's file, e.g. `databases[2].`.
   * @default '' (the environment's own fields)
   */
  readonly configPrefix?: string;
}

function resolve(env: EnvironmentConfig, database: DatabaseConfig, index: number): EnvironmentDatabase {
  // Never inherit the environment database's explicit archive folder: two clusters would write one archive.
  const { serverName: _ownFolder, ...sharedStore } = env.objectStore;
  return {
    name: env.name,
    namespace: env.namespace,
    flux: env.flux && { ...env.flux, additionalResources: undefined },
    cloneFrom: env.cloneFrom,
    suppressions: [...(env.suppressions ?? []), ...(database.suppressions ?? [])],
    cluster: database.cluster,
    cloneOf: database.cloneOf,
    objectStore: database.objectStore ?? sharedStore,
    backup: database.backup ?? env.backup,
    appCredentials: database.appCredentials,
    monitoring: database.monitoring ?? env.monitoring,
    // Gate settings come from the environment; the migrator's role and credentials never do.
    migrations: database.migrations && {
      maxBackupAgeMinutes: env.migrations?.maxBackupAgeMinutes,
      maxCloneAgeDays: env.migrations?.maxCloneAgeDays,
      gateImage: env.migrations?.gateImage,
      ...database.migrations,
    },
    migrationValidations: database.migrationValidations,
    restores: database.restores,
    qualifier: database.cluster.name,
    configPrefix: `databases[${index}].`,
  };
}

/** Every database of an environment, its own first. */
export function databasesOf(env: EnvironmentConfig): EnvironmentDatabase[] {
  const { databases, ...own } = env;
  return [own, ...(databases ?? []).map((database, index) => resolve(env, database, index))];
}

/** Whether a database renders its monitoring (`monitoring.enabled`). */
export function isMonitored(database: EnvironmentConfig): boolean {
  return database.monitoring?.enabled ?? true;
}

/** The name of the database this one recovers from in the environment it clones: `''` for an environment's own database. */
export function cloneSourceKey(database: EnvironmentDatabase): string {
  return database.qualifier ? database.cloneOf ?? database.qualifier : '';
}

/** The migrations still rendered: those applied after `settledThrough`. */
export function pendingMigrations(database: EnvironmentConfig): readonly string[] {
  const applied = database.migrations?.applied ?? [];
  const settled = database.migrations?.settledThrough;
  return settled === undefined ? applied : applied.slice(applied.indexOf(settled) + 1);
}
