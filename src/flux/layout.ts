import { sha256Of } from '../values/sha256';

/**
 * The layout of the committed Flux tree, in one place: the directories each chart writes, the
 * files of a migration, and the names of the Flux stages (Kustomizations) that sync them. Charts,
 * the Flux sync objects, runbooks, the plan and the config checks all read it from here; it is
 * pure naming and depends on nothing of the project.
 */

/** Where a database is: its environment, and its cluster's name when it is a further database of it. */
export interface DatabaseLocation {
  readonly name: string;
  readonly qualifier?: string;
}

/** Kubernetes label values hold at most 63 characters, and Flux labels every object it applies with its Kustomization's name. */
const LABEL_VALUE_MAX = 63;

/** `name`, or, when longer than a label value may be, its start and a checksum of the whole: stable and unique. */
export function fitName(name: string, max = LABEL_VALUE_MAX): string {
  if (name.length <= max) return name;
  const digest = sha256Of(name).slice(0, 8);
  return `${name.slice(0, max - digest.length - 1).replace(/-+$/, '')}-${digest}`;
}

/** `<environment>`, and `<environment>/<cluster>` for a further database of it. */
export function databaseFolder(database: DatabaseLocation): string {
  return database.qualifier ? `${database.name}/${database.qualifier}` : database.name;
}

/** Where the data stages' directories are, relative to `flux/`. */
const DATA = 'infrastructure/data';

/** A database's cluster, object store, credentials, backups and monitoring, relative to `flux/`. */
export function clustersDirectory(database: DatabaseLocation): string {
  return `${DATA}/cnpg-clusters/${databaseFolder(database)}`;
}

/** A database's migrations, relative to `flux/`: the stage list, and one folder per pending migration. */
export function migrationsDirectory(database: DatabaseLocation): string {
  return `${DATA}/cnpg-migrations/${databaseFolder(database)}`;
}

/**
 * The empty folder, relative to a database's migrations directory, that `cnpg-migrations` (the
 * stage workloads depend on) applies: with nothing to apply, it is Ready as soon as the last
 * pending migration's stage is.
 */
export const MIGRATIONS_COMPLETE_FOLDER = 'complete';

/** A database's restores, relative to `flux/`: `clusters/` and `verify/` below it. */
export function restoresDirectory(database: DatabaseLocation): string {
  return `${DATA}/cnpg-restores/${databaseFolder(database)}`;
}

/** An environment's admission policies, relative to `flux/`. */
export function policiesDirectory(environment: string): string {
  return `${DATA}/cnpg-policies/${environment}`;
}

/** An environment's Flux Kustomizations, relative to `flux/`: the directory its bootstrap path includes. */
export function syncDirectory(environment: string): string {
  return `clusters/${environment}`;
}

/** The environment a file of the tree (relative to `flux/`) belongs to, from the directories above. */
export function environmentOfFile(path: string): string | undefined {
  return new RegExp(`^(?:${DATA}/cnpg-[a-z-]+|clusters)/([^/]+)/`).exec(path)?.[1];
}

/** The database folder (`<environment>[/<cluster>]`) of a file in a clusters directory. */
export function databaseFolderOfClusterFile(path: string): string | undefined {
  return new RegExp(`^${DATA}/cnpg-clusters/(.+)/[^/]+$`).exec(path)?.[1];
}

/** The file of one migration's Job, SQL and RBAC, relative to its database's migrations directory. */
export function migrationFile(migrationId: string): string {
  return `${migrationId}/job.yaml`;
}

/** The file of the migration stages, relative to a database's migrations directory. */
export const MIGRATION_STAGES_FILE = 'stages.yaml';

/** The file of a clone's first base backup, relative to its clusters directory. */
export const CLONE_BASE_BACKUP_FILE = 'clone-base-backup.yaml';

/** The file of the shared migration scripts, relative to a database's clusters directory. */
export const MIGRATION_SCRIPTS_FILE = 'migration-scripts.yaml';

/** Files of a database's clusters directory that hold more than one kind, or another name than their kind's. */
export const CLUSTER_FILES = {
  appSecret: 'postgres-app-secret.yaml',
  migratorSecret: 'migrator-secret.yaml',
  objectStoreCredentials: 'object-store-credentials.yaml',
  monitoring: 'monitoring.yaml',
} as const;

/** The file of a restored cluster and its backups, relative to its database's restores directory. */
export function restoreClusterFile(restoredCluster: string): string {
  return `clusters/${restoredCluster}.yaml`;
}

/** The file of a restore's verification Job, relative to its database's restores directory. */
export function restoreVerificationFile(restoredCluster: string): string {
  return `verify/${restoredCluster}.yaml`;
}

/** The Flux stages every database has, by role. A further database's are `<stage>-<cluster>`. */
export const STAGES = {
  policies: 'cnpg-policies',
  clusters: 'cnpg-clusters',
  migrations: 'cnpg-migrations',
  migrationStages: 'cnpg-migration-stages',
  restores: 'cnpg-restores',
  restoreVerification: 'cnpg-restore-verification',
} as const;

/** A database's Flux stage: `<stage>` for the environment's own database, `<stage>-<cluster>` for a further one. */
export function stageName(stage: string, database: DatabaseLocation): string {
  return fitName(database.qualifier ? `${stage}-${database.qualifier}` : stage);
}

/** The Flux stage of one pending migration: it applies the migration's Backup and Job, after the migration before it. */
export function migrationStageName(migrationId: string, database: DatabaseLocation): string {
  return stageName(`cnpg-migration-${migrationId}`, database);
}
