import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { FLUX_APPLY_ONCE, MIGRATION_ANNOTATIONS, MIGRATION_LABEL } from '../names';
import { analyzeSql, SqlAnalysis, sqlSha256 } from '../migrations/analysis';
import { redactQuoted } from '../security/credentials';
import { restorePointOf } from '../values/recovery-target';
import { CnpgCluster } from './cnpg-cluster';
import { protectFromSubstitution } from './flux-substitution';
import { jobContainer, JobVolume, onceJob, POSTGRES_UID, postgresConnection } from './job-defaults';
import { MigrationScripts } from './migration-scripts';
import { PlainApiObject } from './plain-api-object';

/** What the migration-Job admission policies intercept: labelled Jobs only. */
export const MIGRATION_JOB_ADMISSION = {
  resources: [{ apiGroup: 'batch', resource: 'jobs', operations: ['CREATE', 'UPDATE'] }],
  matchConditions: [{ name: 'migration-jobs', expression: `has(object.metadata.labels) && '${MIGRATION_LABEL}' in object.metadata.labels` }],
} as const;

/** How a migration's data changes are undone. */
export type RollbackStrategy = 'pitr' | 'down-sql' | 'forward-fix';

/** The documented data-rollback plan every migration carries. */
export interface RollbackPlan {
  /**
   * How the data is brought back: `pitr` (point-in-time recovery to the moment the migration
   * started), `down-sql` (a reverse script), `forward-fix` (a follow-up migration).
   * A migration that destroys data must include `pitr`.
   */
  readonly strategies: readonly RollbackStrategy[];
  /** The written steps an on-call engineer follows, in plain words. */
  readonly steps: string;
}

/** Phase of a migration in the expand/contract pattern. */
export type MigrationPhase = 'expand' | 'migrate' | 'contract';

/** One schema migration: what it is, where it stands in expand/contract, how its data comes back. */
export interface Migration {
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
  readonly rollback: RollbackPlan;
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
}

/** Evidence that a migration ran in this (cloned) environment, as recorded by its Job. */
export interface CloneValidationRecord {
  /** The migration id. */
  readonly migration: string;
  /** `sha256:<hex>` of the SQL that ran (the Job's `cnpg-gitops.io/sql-sha256` annotation). */
  readonly sqlSha256: string;
  /** When it completed, RFC 3339 with zone (the checkpoint's `finishedAt`). */
  readonly validatedAt: string;
  /** `cloneFrom.clonedOn` of the clone it ran on. */
  readonly clonedOn: string;
}

/** kubectl with a POSIX shell, for the gate. */
export const DEFAULT_GATE_IMAGE = 'docker.io/alpine/k8s:1.32.4';
const WORK_DIR = '/work';
const SCRIPTS_DIR = '/scripts';
const SQL_DIR = '/sql';
const CLUSTER_CA_DIR = '/etc/cnpg-ca';
/** Where kubectl finds the in-cluster API credentials. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** `lock_timeout` and `statement_timeout` of a migration session unless the migration sets its own. */
export const DEFAULT_LOCK_TIMEOUT = '5s';
export const DEFAULT_STATEMENT_TIMEOUT = '15min';

/** A migration the ledger must hold, with this checksum, before the next one starts. */
export interface MigrationPredecessor {
  readonly migrationId: string;
  /** `sha256:<hex>` of its SQL. */
  readonly sqlSha256: string;
}

/** Evidence that the migration ran on a clone of this environment, and how recent it must be. */
export interface CloneValidation {
  /** The environment that clones this one (staging). */
  readonly environment: string;
  /** The cluster there that clones this one. */
  readonly cluster: string;
  /**
   * The record of this migration there.
   * @default - none: the migration has not run on the clone
   */
  readonly record?: CloneValidationRecord;
  /** How old the clone may have been when the migration ran on it, in days. */
  readonly maxCloneAgeDays: number;
}

export interface GuardedMigrationJobProps {
  /** The cluster the migration changes; it must have a migrator role (`CnpgClusterProps.migrator`). */
  readonly cluster: CnpgCluster;
  /** The migration: id, phase, rollback plan, session settings. */
  readonly migration: Migration;
  /** The shared ledger, gate and run scripts of the database. */
  readonly scripts: MigrationScripts;
  /** The SQL to apply. */
  readonly sql: string;
  /**
   * The reverse SQL, for the `down-sql` strategy.
   * @default - none
   */
  readonly downSql?: string;
  /**
   * Where `sql` and `downSql` were read from, named in what the guardrails find in them.
   * @default - `<migration id>/up.sql` and `<migration id>/down.sql`
   */
  readonly sqlFiles?: { readonly sql: string; readonly downSql?: string };
  /**
   * The migration applied just before this one on the same database: the Job refuses to start
   * until the ledger holds it (annotation `cnpg-gitops.io/after`).
   * @default - none: the database's first migration
   */
  readonly after?: MigrationPredecessor;
  /**
   * The oldest pre-migration backup the gate accepts, in minutes.
   * @default 60
   */
  readonly maxBackupAgeMinutes?: number;
  /**
   * Image of the gate (needs kubectl and a POSIX shell).
   * @default DEFAULT_GATE_IMAGE
   */
  readonly gateImage?: string;
  /**
   * Day the target cluster was cloned, when it is a clone: the Job then prints the validation
   * record the promoted environment needs.
   * @default - not a clone
   */
  readonly clonedOn?: string;
  /**
   * Staging evidence required before this environment may apply the migration.
   * @default - none required
   */
  readonly cloneValidation?: CloneValidation;
  /**
   * Set when several databases share the namespace: the cluster name then also goes into the
   * checksum suffix of the object names, so two databases applying the same migration never
   * name the same Backup or Job.
   * @default false - names carry the SQL checksum alone
   */
  readonly qualifyNames?: boolean;
}

/** Short, stable suffix of a SQL checksum for object names. */
function shortSha(sha256: string): string {
  return sha256.slice('sha256:'.length, 'sha256:'.length + 8);
}

/**
 * One schema migration, run safely and exactly once: a ledger check (an applied migration is a
 * no-op; the migration before it must be applied), a gate that refuses to start unless WAL
 * archiving works and takes a fresh plugin Backup right before the migration, then
 * one psql session that holds the database's migration lock, creates a named restore point and
 * records the start time for point-in-time rollback, and applies the SQL as the dedicated
 * migrator role (over TLS verified against the cluster's CA) with lock and statement timeouts, in
 * one transaction when possible. Flux applies the Job only while it is absent, so no unrelated
 * change re-creates it; the Job never retries, never expires, and runs under a
 * least-privilege ServiceAccount whose token only the gate sees, in a Pod Security "restricted" pod.
 */
export class GuardedMigrationJob extends Construct implements MigrationPredecessor {
  public readonly migration: Migration;
  public readonly cluster: CnpgCluster;
  /** Parse and classification of the SQL. */
  public readonly analysis: SqlAnalysis;
  /** Parse of the down SQL, when the rollback plan has one. */
  public readonly downAnalysis?: SqlAnalysis;
  /** `metadata.name` of the Job (and of its ConfigMap, ServiceAccount and Role). */
  public readonly jobName: string;
  /** The restore point the checkpoint creates. */
  public readonly restorePoint: string;
  /** The migration this one runs after, if any. */
  public readonly after?: MigrationPredecessor;
  public readonly cloneValidation?: CloneValidation;
  /** Where the SQL and the reverse SQL (with a `down-sql` plan) were read from. */
  public readonly sqlFiles: { readonly sql: string; readonly downSql?: string };
  /** The parser's errors as the guardrails report them: without a credential of the SQL they quote. */
  private readonly syntaxErrors: { readonly up: SqlAnalysis['syntaxError']; readonly down: SqlAnalysis['syntaxError'] };

  constructor(scope: Construct, id: string, props: GuardedMigrationJobProps) {
    super(scope, id);
    addInvariants(this);
    const migration = props.migration;
    const cluster = props.cluster;
    if (cluster.migratorRole === undefined || cluster.migratorSecretName === undefined) {
      throw new Error(`${this.node.path}: cluster ${cluster.name} has no migrator role; give it one (CnpgClusterProps.migrator) so migrations never run as the application`);
    }
    this.migration = migration;
    this.cluster = cluster;
    this.analysis = analyzeSql(props.sql);
    this.downAnalysis = props.downSql === undefined ? undefined : analyzeSql(props.downSql);
    const reported = (error: SqlAnalysis['syntaxError'], sql: string | undefined) => error && { ...error, message: redactQuoted(error.message, sql) };
    this.syntaxErrors = { up: reported(this.analysis.syntaxError, props.sql), down: reported(this.downAnalysis?.syntaxError, props.downSql) };
    this.after = props.after;
    this.cloneValidation = props.cloneValidation;
    this.sqlFiles = {
      sql: props.sqlFiles?.sql ?? `${migration.id}/up.sql`,
      downSql: props.downSql === undefined ? undefined : props.sqlFiles?.downSql ?? `${migration.id}/down.sql`,
    };
    const suffix = shortSha(props.qualifyNames ? sqlSha256(`${cluster.name}\n${this.analysis.sha256}`) : this.analysis.sha256);
    this.jobName = `migrate-${migration.id}-${suffix}`;
    this.restorePoint = restorePointOf(migration.id);
    const labels = { [MIGRATION_LABEL]: migration.id, 'app.kubernetes.io/managed-by': 'cnpg-gitops' };

    const metadata = { name: this.jobName, labels };
    new PlainApiObject(this, 'Sql', { apiVersion: 'v1', kind: 'ConfigMap', metadata, immutable: true, data: { 'up.sql': props.sql } });
    new PlainApiObject(this, 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: false });
    new PlainApiObject(this, 'Role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [
        { apiGroups: ['batch'], resourceNames: [this.jobName], resources: ['jobs'], verbs: ['get', 'patch'] },
        // The Backup is named after the pod, unknown here; RBAC cannot limit `create` by name anyway.
        { apiGroups: ['postgresql.cnpg.io'], resources: ['backups'], verbs: ['create', 'get'] },
        { apiGroups: ['postgresql.cnpg.io'], resourceNames: [cluster.name], resources: ['clusters'], verbs: ['get'] },
      ],
    });
    new PlainApiObject(this, 'RoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.jobName },
      subjects: [{ apiGroup: '', kind: 'ServiceAccount', name: this.jobName, namespace: Chart.of(this).namespace }],
    });

    const deadlineSeconds = migration.activeDeadlineSeconds ?? 3600;
    const waitSeconds = String(Math.floor(deadlineSeconds / 2));
    const mounts: JobVolume[] = [
      { path: SCRIPTS_DIR, volume: { name: 'scripts', configMap: { name: props.scripts.configMap.name } }, readOnly: true },
      { path: SQL_DIR, volume: { name: 'sql', configMap: { name: this.jobName } }, readOnly: true },
      { path: WORK_DIR, volume: { name: 'work', emptyDir: {} } },
      { path: '/tmp', volume: { name: 'tmp', emptyDir: {} } },
    ];
    const clusterCa: JobVolume = {
      path: CLUSTER_CA_DIR,
      volume: { name: 'cluster-ca', secret: { items: [{ key: 'ca.crt', path: 'ca.crt' }], secretName: cluster.caSecretName } },
      readOnly: true,
    };
    const postgresMounts = [...mounts, clusterCa];
    // The ServiceAccount token and the API server's CA, where kubectl looks for them, in the gate
    // container only: the pod does not automount the token, so the containers that run SQL never
    // see it. (The gate names the namespace itself.)
    const apiAccess: JobVolume = {
      path: SERVICE_ACCOUNT_DIR,
      volume: {
        name: 'api-access',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          ],
        },
      },
      readOnly: true,
    };
    const common = {
      MIGRATION_ID: migration.id,
      SQL_SHA256: this.analysis.sha256,
      CHECKPOINT_DIR: WORK_DIR,
      SCRIPTS_DIR,
      HOME: '/tmp',
    };
    const postgres = {
      ...postgresConnection(cluster, this.jobName, { secretName: cluster.migratorSecretName, caFile: `${CLUSTER_CA_DIR}/ca.crt` }),
      PGOPTIONS: `-c lock_timeout=${migration.lockTimeout ?? DEFAULT_LOCK_TIMEOUT} -c statement_timeout=${migration.statementTimeout ?? DEFAULT_STATEMENT_TIMEOUT}`,
      DATABASE_OWNER: cluster.owner,
    };
    const session = {
      ...common,
      ...postgres,
      AFTER_MIGRATION: props.after?.migrationId ?? '',
      AFTER_SHA256: props.after?.sqlSha256 ?? '',
      JOB_NAME: this.jobName,
      SQL_FILE: `${SQL_DIR}/up.sql`,
      TRANSACTIONAL: String(this.analysis.transactional),
      CLONED_ON: props.clonedOn ?? '',
      LOCK_WAIT_SECONDS: waitSeconds,
      TERMINATION_LOG: '/dev/termination-log',
    };
    const postgresImage = cluster.imageName;
    const runScript = (step: 'all' | 'checkpoint' | 'record') => ['sh', `${SCRIPTS_DIR}/run.sh`, step];
    const ledger = jobContainer({
      name: 'ledger',
      image: postgresImage,
      command: ['sh', `${SCRIPTS_DIR}/ledger.sh`],
      env: { ...common, ...postgres, AFTER_MIGRATION: session.AFTER_MIGRATION, AFTER_SHA256: session.AFTER_SHA256, WAIT_TIMEOUT_SECONDS: waitSeconds, POLL_SECONDS: '10' },
      volumes: postgresMounts,
    });
    const gate = jobContainer({
      name: 'gate',
      image: props.gateImage ?? DEFAULT_GATE_IMAGE,
      command: ['sh', `${SCRIPTS_DIR}/gate.sh`],
      env: {
        ...common,
        JOB_NAME: this.jobName,
        CLUSTER_NAME: cluster.name,
        NAMESPACE: cluster.namespace,
        MAX_BACKUP_AGE_SECONDS: String((props.maxBackupAgeMinutes ?? 60) * 60),
        WAIT_TIMEOUT_SECONDS: waitSeconds,
        POLL_SECONDS: '10',
      },
      volumes: [...mounts, apiAccess],
    });
    const inPostgres = (name: string, command: string[]) => jobContainer({ name, image: postgresImage, command, env: session, volumes: postgresMounts });
    const [initContainers, containers] = migration.image === undefined
      ? [[ledger, gate], [inPostgres('migrate', runScript('all'))]]
      : [
        [ledger, gate, inPostgres('checkpoint', runScript('checkpoint')), jobContainer({ name: 'migrate', image: migration.image, command: migration.command, env: { ...common, ...postgres }, volumes: postgresMounts })],
        [inPostgres('record', runScript('record'))],
      ];
    onceJob(this, 'Job', {
      metadata: {
        ...metadata,
        annotations: {
          ...FLUX_APPLY_ONCE,
          [MIGRATION_ANNOTATIONS.cluster]: cluster.name,
          [MIGRATION_ANNOTATIONS.sqlSha256]: this.analysis.sha256,
          [MIGRATION_ANNOTATIONS.phase]: migration.phase,
          [MIGRATION_ANNOTATIONS.release]: migration.release,
          [MIGRATION_ANNOTATIONS.rollbackStrategies]: migration.rollback.strategies.join(','),
          [MIGRATION_ANNOTATIONS.rollbackSteps]: migration.rollback.steps,
          [MIGRATION_ANNOTATIONS.after]: props.after?.migrationId ?? '',
        },
      },
      podLabels: labels,
      activeDeadlineSeconds: deadlineSeconds,
      fsGroup: POSTGRES_UID,
      serviceAccountName: this.jobName,
      initContainers,
      containers,
      volumes: [...postgresMounts, apiAccess].map((mount) => mount.volume),
    });
    protectFromSubstitution(this, [props.sql]);
  }

  /** The migration's id, as the next migration's predecessor. */
  public get migrationId(): string {
    return this.migration.id;
  }

  /** The checksum the ledger records, as the next migration's predecessor. */
  public get sqlSha256(): string {
    return this.analysis.sha256;
  }

  /** What the migration guardrails review: the declaration, the analysis and the evidence. */
  public reviewObjects(): { kind: string; name: string; manifest: unknown }[] {
    const migration = this.migration;
    return [{
      kind: 'Migration',
      name: migration.id,
      manifest: {
        id: migration.id,
        release: migration.release,
        phase: migration.phase,
        completes: migration.completes,
        sql: this.sqlFiles.sql,
        sha256: this.analysis.sha256,
        transactional: this.analysis.transactional,
        noTransaction: this.analysis.noTransaction,
        syntaxError: this.syntaxErrors.up,
        statements: this.analysis.statements,
        rollback: {
          strategies: migration.rollback.strategies,
          steps: migration.rollback.steps,
          downSql: this.sqlFiles.downSql,
          downSyntaxError: this.syntaxErrors.down,
        },
        cluster: this.cluster.name,
        cloneValidation: this.cloneValidation,
      },
    }];
  }
}
