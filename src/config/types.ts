/**
 * The typed environment configuration: the surface platform engineers edit every day.
 *
 * Each environment is one file of plain data (`develop.ts`, `staging.ts`, `production.ts`)
 * checked with `satisfies EnvironmentConfig`. Synthesis validates the values again at run
 * time, so every mistake is reported with the environment file and the field.
 */

/** The environments this repository renders, in promotion order. */
export type EnvironmentName = 'develop' | 'staging' | 'production';

/** Where the Barman Cloud plugin stores base backups and WAL. */
export type ObjectStoreProvider = 'cloudflare-r2' | 'aws-s3' | 's3-compatible';

/** Compression for base backups (the plugin's `data.compression` enum). */
export type DataCompression = 'bzip2' | 'gzip' | 'lz4' | 'snappy';

/** Compression for WAL files (the plugin's `wal.compression` enum; xz and zstd are WAL-only). */
export type WalCompression = DataCompression | 'xz' | 'zstd';

/**
 * A secret that External Secrets Operator copies from a `ClusterSecretStore`.
 * Nothing secret is ever written to Git: only the store and the key to read.
 */
export interface ExternalSecretConfig {
  /** Name of the `ClusterSecretStore` (external-secrets.io/v1) to read from. */
  readonly clusterSecretStore: string;
  /** Key of the secret inside the external store, e.g. `cnpg/production/r2`. */
  readonly remoteKey: string;
  /**
   * How often ESO re-reads the external secret (a Go duration).
   * @default '1h'
   */
  readonly refreshInterval?: string;
}

/**
 * A Secret the repository provides itself instead of External Secrets, typically a
 * SOPS-encrypted manifest listed in `flux.additionalResources` that Flux decrypts.
 */
export interface ExistingSecretConfig {
  /** Name of the Secret, in the environment's namespace, with the keys the consumer documents. */
  readonly existingSecret: string;
}

/** Where credentials come from: External Secrets (the default) or a Secret the repository provides. */
export type CredentialsConfig = ExternalSecretConfig | ExistingSecretConfig;

/** The PostgreSQL cluster itself (CNPG `Cluster`). */
export interface ClusterConfig {
  /**
   * Cluster name (`metadata.name`): a DNS-1035 label of at most 50 characters.
   * Services are `<name>-rw` and `<name>-ro`.
   */
  readonly name: string;
  /**
   * Number of PostgreSQL instances (one primary, the rest streaming replicas).
   * @default 1
   */
  readonly instances?: number;
  /**
   * PostgreSQL operand image. The tag must start with the major version; pin it by digest too
   * (`<image>:<tag>@sha256:<digest>`) so every instance and migration Job runs the same bytes.
   * @default 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie' (the CNPG 1.30.0 default)
   */
  readonly imageName?: string;
  /**
   * Size of each instance's data volume, e.g. `20Gi`. Volumes can grow, never shrink.
   * @default - a clone (`cloneFrom`) takes its source's; required otherwise
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the data (and WAL) volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /**
   * Size of a separate WAL volume. Once set it cannot be removed again.
   * @default - a clone takes its source's; otherwise WAL shares the data volume
   */
  readonly walStorageSize?: string;
  /**
   * CPU and memory requests and limits of each PostgreSQL container.
   * @default - no requests or limits (BestEffort pods)
   */
  readonly resources?: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
  };
  /**
   * Topology key the instances are spread over.
   * @default 'kubernetes.io/hostname'
   */
  readonly topologyKey?: string;
  /**
   * Whether anti-affinity is a preference or a hard requirement (`required` leaves pods
   * Pending when there are fewer topology domains than instances).
   * @default 'preferred'
   */
  readonly podAntiAffinityType?: 'preferred' | 'required';
  /**
   * Allow network access as the `postgres` superuser.
   * @default false
   */
  readonly enableSuperuserAccess?: boolean;
  /**
   * Application database created at bootstrap.
   * @default 'app'
   */
  readonly database?: string;
  /**
   * Owner role of the application database, used by applications and migrations.
   * @default - same as `database`
   */
  readonly owner?: string;
  /**
   * Extra PostgreSQL parameters. CNPG accepts only strings.
   * @default - CNPG's defaults
   */
  readonly postgresqlParameters?: Readonly<Record<string, string>>;
}

/** The object store that receives WAL and base backups through the Barman Cloud plugin. */
export interface ObjectStoreConfig {
  /** Kind of store. `cloudflare-r2` and `s3-compatible` need `endpointURL`. */
  readonly provider: ObjectStoreProvider;
  /**
   * `s3://<bucket>/<optional prefix>`. The bucket must exist before the cluster starts.
   * The cluster writes below `<destinationPath>/<serverName>/`.
   */
  readonly destinationPath: string;
  /**
   * S3 API endpoint, without the bucket. For R2: `https://<account id>.r2.cloudflarestorage.com`.
   * @default - none (AWS S3 resolves the endpoint itself)
   */
  readonly endpointURL?: string;
  /**
   * Where the access keys come from. The external secret (or the existing Secret) holds the
   * keys `ACCESS_KEY_ID` and `ACCESS_SECRET_KEY`.
   */
  readonly credentials: CredentialsConfig;
  /**
   * Folder below `destinationPath` this cluster archives into.
   * @default - the cluster name; for a clone, `<name>-clone-<clonedOn without dashes>`
   */
  readonly serverName?: string;
  /**
   * WAL compression.
   * @default 'gzip'
   */
  readonly walCompression?: WalCompression;
  /**
   * Base backup compression.
   * @default 'gzip'
   */
  readonly dataCompression?: DataCompression;
  /**
   * WAL files archived or restored in parallel.
   * @default 2
   */
  readonly walMaxParallel?: number;
  /**
   * Start every base backup with an immediate checkpoint instead of a spread one. A migration
   * waits for its pre-migration backup, and a spread checkpoint (`checkpoint_completion_target`
   * of `checkpoint_timeout`) adds minutes; the cost is a short burst of writes on the primary.
   * @default true
   */
  readonly immediateCheckpoint?: boolean;
}

/** Scheduled base backups and their retention. */
export interface BackupConfig {
  /**
   * When base backups run: a SIX-field cron expression, seconds first (`0 0 3 * * *` is
   * 03:00:00 every day). CNPG reads a five-field crontab seconds-first too, so `0 3 * * *`
   * would run hourly.
   */
  readonly schedule: string;
  /**
   * How long backups and WAL are kept: `<n>d`, `<n>w` or `<n>m` (a recovery window).
   */
  readonly retentionPolicy: string;
  /**
   * Which instance takes the backup.
   * @default 'prefer-standby'
   */
  readonly target?: 'primary' | 'prefer-standby';
}

/** Bootstraps this environment's cluster as a point-in-time copy of another environment. */
export interface CloneConfig {
  /** The environment whose object store is the source, e.g. `production`. */
  readonly environment: EnvironmentName;
  /**
   * The day (`YYYY-MM-DD`) the current clone was bootstrapped. It names the clone's own
   * archive folder, so a re-clone never writes into an old, non-empty archive, and it is the
   * evidence of how recent the clone is.
   */
  readonly clonedOn: string;
  /** Read-only credentials for the source environment's object store. */
  readonly credentials: ExternalSecretConfig;
}

/** How Flux reconciles this environment's directory. */
export interface FluxConfig {
  /**
   * Name of the Flux `GitRepository` that holds this repository.
   * @default 'flux-system'
   */
  readonly sourceName?: string;
  /**
   * Flux `Kustomization`s (in `flux-system`) that must be Ready first: the CNPG operator,
   * the Barman Cloud plugin and External Secrets Operator.
   * @default ['infra-controllers']
   */
  readonly dependsOn?: readonly string[];
  /**
   * Reconciliation interval.
   * @default '10m'
   */
  readonly interval?: string;
  /**
   * Secret (in `flux-system`) with the SOPS age or GPG key, for teams that commit
   * SOPS-encrypted Secrets into the database directory instead of using External Secrets.
   * @default - no decryption
   */
  readonly sopsSecretName?: string;
  /**
   * Hand-written files in the environment's database directory (e.g. SOPS-encrypted Secrets)
   * to list in its kustomization.yaml. Synthesis never writes or deletes them.
   * @default - none
   */
  readonly additionalResources?: readonly string[];
}

/** Prometheus monitoring of the cluster (needs the Prometheus Operator CRDs and kube-state-metrics). */
export interface MonitoringConfig {
  /**
   * Render the PodMonitor and the PrometheusRule.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Replication lag that raises an alert, in seconds.
   * @default 300
   */
  readonly replicationLagSeconds?: number;
}

/** Silences one guardrail for this environment, with a reason kept in the rendered YAML. */
export interface GuardrailSuppressionConfig {
  /** The guardrail id, e.g. `BKP004`. */
  readonly id: string;
  /** Why the rule does not apply here: at least 10 characters, reviewed like code. */
  readonly reason: string;
}

/** How a migration's data changes are undone. */
export type RollbackStrategy = 'pitr' | 'down-sql' | 'forward-fix';

/** The documented data-rollback plan every migration carries. */
export interface RollbackPlanConfig {
  /**
   * How the data is brought back: `pitr` (point-in-time recovery to the second before the
   * migration started), `down-sql` (a reverse script), `forward-fix` (a follow-up migration).
   * A migration that destroys data must include `pitr`.
   */
  readonly strategies: readonly RollbackStrategy[];
  /** The written steps an on-call engineer follows, in plain words. */
  readonly steps: string;
  /**
   * Path of the reverse SQL, relative to the repository root. Required with `down-sql`.
   * @default - none
   */
  readonly downSql?: string;
}

/** Phase of a migration in the expand/contract pattern. */
export type MigrationPhase = 'expand' | 'migrate' | 'contract';

/** One schema migration, shared by every environment that applies it. */
export interface MigrationConfig {
  /** Stable id, used in object names: lowercase letters, digits and dashes, e.g. `0001-add-email-normalized`. */
  readonly id: string;
  /** The application release that ships it (semantic version, e.g. `1.4.0`). */
  readonly release: string;
  /**
   * `expand` adds without breaking the previous release, `migrate` moves data (backfills),
   * `contract` removes what the previous release still used.
   */
  readonly phase: MigrationPhase;
  /**
   * For a `contract`: the id of the `expand` it completes, which must ship in an earlier release.
   * @default - none
   */
  readonly completes?: string;
  /** Path of the SQL, relative to the repository root, e.g. `migrations/0001-add-email-normalized/up.sql`. */
  readonly sql: string;
  readonly rollback: RollbackPlanConfig;
  /**
   * Your own migration tool's image. The SQL is still analysed, and the gate and the checkpoint
   * still run before it; the tool then owns its ledger.
   * @default - psql from the cluster's PostgreSQL image runs the SQL
   */
  readonly image?: string;
  /**
   * Command of `image`.
   * @default - the image's entrypoint
   */
  readonly command?: readonly string[];
  /**
   * `lock_timeout` of the migration session: how long a statement may wait for a lock.
   * @default '5s'
   */
  readonly lockTimeout?: string;
  /**
   * `statement_timeout` of the migration session.
   * @default '15min'
   */
  readonly statementTimeout?: string;
  /**
   * Deadline of the whole Job, in seconds.
   * @default 3600
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Guardrails silenced for this migration (lock-safety warnings, typically).
   * @default - none
   */
  readonly suppressions?: readonly GuardrailSuppressionConfig[];
}

/** Which migrations an environment applies, and how strictly they are gated. */
export interface EnvironmentMigrationsConfig {
  /**
   * Ids of the migrations applied in this environment, in order: each one starts only after the
   * one before it completed, and a failed one stops every later one of this database.
   */
  readonly applied: readonly string[];
  /**
   * Password of the migrator, the role migration Jobs log in as (never the application's): a
   * member of the database owner, managed by CNPG, and the only role that may create restore
   * points and switch WAL segments. The external secret (property `password`), or an existing
   * basic-auth Secret, of this database alone.
   */
  readonly migratorCredentials: CredentialsConfig;
  /**
   * Name of the migrator role.
   * @default 'migrator'
   */
  readonly migratorRole?: string;
  /**
   * The newest age, in minutes, of the pre-migration backup the gate accepts.
   * @default 60
   */
  readonly maxBackupAgeMinutes?: number;
  /**
   * The most days a staging clone may be older than a validation of this environment's
   * migrations.
   * @default 7
   */
  readonly maxCloneAgeDays?: number;
  /**
   * Image of the gate init container: it needs `kubectl` and a POSIX shell. Point it at your
   * registry mirror, and pin it by digest (`<image>:<tag>@sha256:<digest>`).
   * @default 'docker.io/alpine/k8s:1.32.4'
   */
  readonly gateImage?: string;
  /**
   * The newest migration of `applied` that is settled: it and every migration applied before
   * it ran here long ago, and their rollback (its PITR window) is over. Settled migrations
   * leave the Flux tree: no Backup, Job or runbook is rendered for them any more (Flux prunes
   * the finished objects; the backups' data stays in the object store under the retention
   * policy), they need no validation record, and they still count as applied for the
   * expand/contract order. Settle what the retention window no longer covers, so years of
   * history cost nothing.
   * @default - nothing settled: every applied migration is rendered
   */
  readonly settledThrough?: string;
}

/** Evidence that a migration ran in this (cloned) environment, as recorded by its Job. */
export interface MigrationValidationRecord {
  /** The migration id. */
  readonly migration: string;
  /** `sha256:<hex>` of the SQL that ran (the Job's `cnpg-gitops.io/sql-sha256` annotation). */
  readonly sqlSha256: string;
  /** When it completed, RFC 3339 with zone (the checkpoint's `finishedAt`). */
  readonly validatedAt: string;
  /** `cloneFrom.clonedOn` of the clone it ran on. */
  readonly clonedOn: string;
}

/**
 * Where a restore stops: exactly one of these forms.
 * - `beforeMigration`: the second before a migration started (`startedAt` from its checkpoint
 *   record, minus one second), pinned to its pre-migration `backupId` when given.
 * - `restorePoint`: the named restore point `before-<migration>` its checkpoint created; CNPG
 *   needs the `backupId` of the base backup to start from.
 * - `time` (RFC 3339 with a zone), `lsn`, or `immediate` (the end of base backup `backupId`).
 */
export type RestoreTargetConfig =
  | { readonly beforeMigration: string; readonly startedAt: string; readonly backupId?: string }
  | { readonly restorePoint: string; readonly backupId: string }
  | { readonly time: string; readonly backupId?: string }
  | { readonly lsn: string; readonly backupId?: string }
  | { readonly immediate: true; readonly backupId: string };

/** A SQL check the verification Job runs on the restored cluster. */
export interface RecoveryAssertionConfig {
  /** What is checked, in a few words. */
  readonly name: string;
  /** A query returning one value, e.g. `SELECT count(*) FROM users`. */
  readonly sql: string;
  /** The value psql must print (unaligned, tuples only), e.g. `1`. */
  readonly expect: string;
}

/** A point-in-time restore of this environment's cluster into a new cluster. */
export interface RestoreConfig {
  /** Name of the restored cluster: a DNS-1035 label of at most 50 characters, not the source's. */
  readonly name: string;
  readonly target: RestoreTargetConfig;
  /**
   * Instances of the restored cluster.
   * @default - as many as the source
   */
  readonly instances?: number;
  /**
   * Data volume size of the restored cluster.
   * @default - the source's
   */
  readonly storageSize?: string;
  /**
   * Checks run once the restored cluster is Ready; a failing one fails the verification Job.
   * A restore before a migration also checks that the migration is not applied.
   */
  readonly verify: readonly RecoveryAssertionConfig[];
}

/**
 * One database: its Cluster, archive, backups, migrations and restores. An environment's own
 * fields describe its first database; `databases` lists further ones, each rendered into
 * `<directory>/<environment>/<cluster name>/` and synced by its own Flux stages, so one
 * database's failing migration never holds up another's. What a further database leaves out
 * comes from its environment: the object store (archiving into its own folder, the cluster
 * name), the backup schedule, monitoring, gate settings, and the clone (staging's database of
 * the same name recovers from production's). Its migrations, credentials and restores are its own.
 */
export interface DatabaseConfig {
  readonly cluster: ClusterConfig;
  /**
   * In an environment that clones another (`cloneFrom`), the cluster name of the database there
   * that this one recovers from, when it differs from this one's (e.g. after the source was
   * switched over to a restored cluster). Only for `databases`: an environment's own database
   * always clones the source environment's own.
   * @default - the database of the same cluster name
   */
  readonly cloneOf?: string;
  /** @default - a further database: the environment's, archiving below `<destinationPath>/<cluster name>/` */
  readonly objectStore?: ObjectStoreConfig;
  /** @default - a further database: the environment's schedule and retention */
  readonly backup?: BackupConfig;
  /**
   * Application credentials from an external secret store (property `password`; the user
   * name is the database owner). Rendered as `postgres-app-secret.yaml`.
   * @default - the CNPG operator generates `<cluster>-app` inside the cluster
   */
  readonly appCredentials?: CredentialsConfig;
  /** @default - see each field of MonitoringConfig; a further database: the environment's */
  readonly monitoring?: MonitoringConfig;
  /**
   * Schema migrations applied here, each gated by a fresh backup. A further database's gate
   * settings left out come from the environment's.
   * @default - none
   */
  readonly migrations?: EnvironmentMigrationsConfig;
  /**
   * Records of migrations validated on this (cloned) database: the evidence production
   * requires before it applies them.
   * @default - none
   */
  readonly migrationValidations?: readonly MigrationValidationRecord[];
  /**
   * Point-in-time restores of this cluster, each into a new cluster, verified.
   * @default - none
   */
  readonly restores?: readonly RestoreConfig[];
  /**
   * Guardrails silenced here (for a further database, the environment's apply too).
   * @default - none
   */
  readonly suppressions?: readonly GuardrailSuppressionConfig[];
}

/** One environment: everything that differs between develop, staging and production, and its first database. */
export interface EnvironmentConfig extends Omit<DatabaseConfig, 'cloneOf'> {
  /** Which environment this file describes; selects the guardrail pack and the Flux directory. */
  readonly name: EnvironmentName;
  /** Namespace of every database object in this environment. */
  readonly namespace: string;
  readonly objectStore: ObjectStoreConfig;
  readonly backup: BackupConfig;
  /**
   * Bootstrap this cluster as a clone of another environment (staging clones production).
   * @default - a new, empty database (`initdb`)
   */
  readonly cloneFrom?: CloneConfig;
  /** @default - see each field of FluxConfig */
  readonly flux?: FluxConfig;
  /**
   * More databases of this environment, besides the one the fields above describe (which keeps
   * the directories `cnpg-clusters/<environment>/` and so on). Cluster names are unique per
   * environment.
   * @default - none
   */
  readonly databases?: readonly DatabaseConfig[];
}
