/**
 * The typed environment configuration: the surface platform engineers edit every day.
 *
 * Each environment is one file of plain data (`develop.ts`, `staging.ts`, `production.ts`)
 * checked with `satisfies EnvironmentConfig`. Synthesis validates the values again at run
 * time, so every mistake is reported with the environment file and the field.
 */

import type { DataCompression, ObjectStoreProvider, ObjectStoreSettings, WalCompression } from '../constructs/barman-object-store';
import type { CnpgClusterSettings } from '../constructs/cnpg-cluster';
import type { CredentialsSource, ExistingSecretSource, ExternalSecretSource } from '../constructs/external-secret-credentials';
import type { CloneValidationRecord, Migration, MigrationPhase, RollbackPlan, RollbackStrategy } from '../constructs/guarded-migration-job';
import type { RecoveryAssertion } from '../restore/recovery-verification-job';

export type { DataCompression, MigrationPhase, ObjectStoreProvider, RollbackStrategy, WalCompression };

/** The environments this repository renders, in promotion order. */
export type EnvironmentName = 'develop' | 'staging' | 'production';

/** A secret that External Secrets Operator copies from a `ClusterSecretStore`. */
export type ExternalSecretConfig = ExternalSecretSource;

/**
 * A Secret the repository provides itself instead of External Secrets, typically a
 * SOPS-encrypted manifest listed in `flux.additionalResources` that Flux decrypts.
 */
export type ExistingSecretConfig = ExistingSecretSource;

/** Where credentials come from: External Secrets (the default) or a Secret the repository provides. */
export type CredentialsConfig = CredentialsSource;

/** The PostgreSQL cluster itself (CNPG `Cluster`). */
export type ClusterConfig = CnpgClusterSettings;

/** The object store that receives WAL and base backups through the Barman Cloud plugin. */
export interface ObjectStoreConfig extends ObjectStoreSettings {
  /**
   * Folder below `destinationPath` this cluster archives into.
   * @default - the cluster name; for a clone, `<name>-clone-<clonedOn without dashes>`
   */
  readonly serverName?: string;
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

/** The documented data-rollback plan every migration carries. */
export interface RollbackPlanConfig extends RollbackPlan {
  /**
   * Path of the reverse SQL, relative to the repository root. Required with `down-sql`.
   * @default - none
   */
  readonly downSql?: string;
}

/** One schema migration, shared by every environment that applies it. */
export interface MigrationConfig extends Migration {
  /** Path of the SQL, relative to the repository root, e.g. `migrations/0001-add-email-normalized/up.sql`. */
  readonly sql: string;
  readonly rollback: RollbackPlanConfig;
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
export type MigrationValidationRecord = CloneValidationRecord;

/**
 * Where a restore stops: exactly one of these forms.
 * - `beforeMigration`: the moment a migration started (`startedAt` from its checkpoint record,
 *   to the microsecond), pinned to its pre-migration `backupId` when given.
 * - `restorePoint`: the named restore point `before-<migration>` its checkpoint created; CNPG
 *   needs the `backupId` of the base backup to start from.
 * - `time` (RFC 3339 with a zone), `lsn`, or `immediate` (the end of base backup `backupId`).
 *
 * `backupStoppedAt` is when the pinned base backup `backupId` ended: its Backup's
 * `status.stoppedAt` (`backupStoppedAt` of a migration's checkpoint record), RFC 3339 with a zone.
 * Recovery cannot stop before the end of its base backup, and the id only tells its start, so
 * RST002 checks a time target against it; a new restore to a `time` pinned to a `backupId` needs it.
 * Left out, RST002 compares the target with the backup's start (from its id) only, which is enough
 * for a `beforeMigration` start: its checkpoint recorded it after the backup completed.
 */
export type RestoreTargetConfig =
  | { readonly beforeMigration: string; readonly startedAt: string; readonly backupId?: string; readonly backupStoppedAt?: string }
  | { readonly restorePoint: string; readonly backupId: string }
  | { readonly time: string; readonly backupId?: string; readonly backupStoppedAt?: string }
  | { readonly lsn: string; readonly backupId?: string }
  | { readonly immediate: true; readonly backupId: string };

/** A SQL check the verification Job runs on the restored cluster. */
export type RecoveryAssertionConfig = RecoveryAssertion;

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
