import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Backup, BackupSpecMethod, BackupSpecTarget } from '../../imports/cnpg-postgresql.cnpg.io';
import { MigrationConfig, MigrationValidationRecord } from '../config/types';
import { placeInFile } from '../flux/placement';
import { analyzeSql, SqlAnalysis, sqlSha256 } from '../migrations/analysis';
import { restorePointOf } from '../values/recovery-target';
import { BARMAN_CLOUD_PLUGIN } from './barman-cloud-plugin';
import { CnpgCluster } from './cnpg-cluster';
import { POSTGRES_UID, postgresConnection, renderIntoFile, RESTRICTED_CONTAINER, SMALL_CONTAINER_RESOURCES } from './job-defaults';
import { MigrationScripts } from './migration-scripts';

/** Labels and annotations a migration Job carries; admission policies and rules read them. */
export const MIGRATION_LABEL = 'cnpg-gitops.io/migration';
export const MIGRATION_ANNOTATIONS = {
  backup: 'cnpg-gitops.io/pre-migration-backup',
  cluster: 'cnpg-gitops.io/cluster',
  sqlSha256: 'cnpg-gitops.io/sql-sha256',
  phase: 'cnpg-gitops.io/phase',
  release: 'cnpg-gitops.io/release',
  rollbackStrategies: 'cnpg-gitops.io/rollback-strategies',
  rollbackSteps: 'cnpg-gitops.io/rollback-steps',
} as const;

/** What the migration-Job admission policies intercept: labelled Jobs only. */
export const MIGRATION_JOB_ADMISSION = {
  resources: [{ apiGroup: 'batch', resource: 'jobs', operations: ['CREATE', 'UPDATE'] }],
  matchConditions: [{ name: 'migration-jobs', expression: `has(object.metadata.labels) && '${MIGRATION_LABEL}' in object.metadata.labels` }],
} as const;

/** kubectl with a POSIX shell, for the gate. */
export const DEFAULT_GATE_IMAGE = 'docker.io/alpine/k8s:1.32.4';
const WORK_DIR = '/work';
const SCRIPTS_DIR = '/scripts';
const SQL_DIR = '/sql';

/** Evidence that the migration ran on a clone of this environment, and how recent it must be. */
export interface CloneValidation {
  /** The environment that clones this one (staging). */
  readonly environment: string;
  /**
   * Where the cloning database's fields are in that environment's file, e.g. `databases[2].`.
   * @default '' (its own database)
   */
  readonly configPrefix?: string;
  /** The record of this migration there, if any. */
  readonly record?: MigrationValidationRecord;
  readonly maxCloneAgeDays: number;
}

export interface GuardedMigrationJobProps {
  /** The cluster the migration changes. */
  readonly cluster: CnpgCluster;
  /** The migration as declared in the catalog. */
  readonly migration: MigrationConfig;
  /** The shared gate, checkpoint and run scripts of the namespace. */
  readonly scripts: MigrationScripts;
  /** Content of `migration.sql`. */
  readonly sql: string;
  /**
   * Content of `migration.rollback.downSql`.
   * @default - none
   */
  readonly downSql?: string;
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
 * One schema migration, run safely: a fresh plugin Backup taken just before it (its own Flux
 * stage, waited on), a gate that refuses to start unless that Backup completed recently and
 * WAL archiving works, a checkpoint (named restore point and start time from the database
 * clock) for point-in-time rollback, then psql with ON_ERROR_STOP, lock and statement
 * timeouts, in one transaction when possible. The Job never retries, never expires (Flux would
 * re-create and re-run it), and runs under a least-privilege ServiceAccount in a
 * Pod Security "restricted" pod.
 */
export class GuardedMigrationJob extends Construct {
  public readonly migration: MigrationConfig;
  public readonly cluster: CnpgCluster;
  /** Parse and classification of the SQL. */
  public readonly analysis: SqlAnalysis;
  /** Parse of the down SQL, when the rollback plan has one. */
  public readonly downAnalysis?: SqlAnalysis;
  /** `metadata.name` of the pre-migration Backup. */
  public readonly backupName: string;
  /** `metadata.name` of the Job (and of its ConfigMap, ServiceAccount and Role). */
  public readonly jobName: string;
  /** The restore point the checkpoint creates. */
  public readonly restorePoint: string;
  public readonly cloneValidation?: CloneValidation;

  constructor(scope: Construct, id: string, props: GuardedMigrationJobProps) {
    super(scope, id);
    const migration = props.migration;
    this.migration = migration;
    this.cluster = props.cluster;
    this.analysis = analyzeSql(props.sql);
    this.downAnalysis = props.downSql === undefined ? undefined : analyzeSql(props.downSql);
    this.cloneValidation = props.cloneValidation;
    const suffix = shortSha(props.qualifyNames ? sqlSha256(`${props.cluster.name}\n${this.analysis.sha256}`) : this.analysis.sha256);
    this.backupName = `pre-migration-${migration.id}-${suffix}`;
    this.jobName = `migrate-${migration.id}-${suffix}`;
    this.restorePoint = restorePointOf(migration.id);
    const labels = { [MIGRATION_LABEL]: migration.id, 'app.kubernetes.io/managed-by': 'cnpg-gitops' };

    const backup = new Backup(this, 'Backup', {
      metadata: {
        name: this.backupName,
        labels,
        // The Backup records backupId and stoppedAt, which a rollback pins: keep it when the
        // migration leaves Git.
        annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
      },
      spec: {
        cluster: { name: props.cluster.name },
        method: BackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        target: BackupSpecTarget.PRIMARY,
      },
    });
    placeInFile(backup, `backups/${migration.id}.yaml`);

    const file = `jobs/${migration.id}.yaml`;
    const configMap = new kplus.ConfigMap(this, 'Sql', {
      metadata: { name: this.jobName, labels },
      immutable: true,
      data: { 'up.sql': props.sql },
    });
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.jobName, labels },
      automountToken: true,
    });
    const role = new kplus.Role(this, 'Role', { metadata: { name: this.jobName, labels } });
    role.allow(['get', 'list', 'watch'], { apiGroup: 'postgresql.cnpg.io', resourceType: 'backups', resourceName: this.backupName });
    role.allow(['get'], { apiGroup: 'postgresql.cnpg.io', resourceType: 'clusters', resourceName: props.cluster.name });
    const binding = new kplus.RoleBinding(this, 'RoleBinding', { metadata: { name: this.jobName, labels }, role });
    binding.addSubjects(serviceAccount);

    const job = new kplus.Job(this, 'Job', {
      metadata: {
        name: this.jobName,
        labels,
        annotations: {
          [MIGRATION_ANNOTATIONS.backup]: this.backupName,
          [MIGRATION_ANNOTATIONS.cluster]: props.cluster.name,
          [MIGRATION_ANNOTATIONS.sqlSha256]: this.analysis.sha256,
          [MIGRATION_ANNOTATIONS.phase]: migration.phase,
          [MIGRATION_ANNOTATIONS.release]: migration.release,
          [MIGRATION_ANNOTATIONS.rollbackStrategies]: migration.rollback.strategies.join(','),
          [MIGRATION_ANNOTATIONS.rollbackSteps]: migration.rollback.steps,
          // Job templates are immutable: a changed Job must be re-created, not patched.
          'kustomize.toolkit.fluxcd.io/force': 'enabled',
        },
      },
      podMetadata: { labels },
      serviceAccount,
      automountServiceAccountToken: true,
      backoffLimit: 0,
      activeDeadline: Duration.seconds(migration.activeDeadlineSeconds ?? 3600),
      restartPolicy: kplus.RestartPolicy.NEVER,
      securityContext: { ensureNonRoot: true, user: POSTGRES_UID, group: POSTGRES_UID, fsGroup: POSTGRES_UID },
    });
    const scripts = kplus.Volume.fromConfigMap(this, 'ScriptsVolume', props.scripts.configMap, { name: 'scripts' });
    const sql = kplus.Volume.fromConfigMap(this, 'SqlVolume', configMap, { name: 'sql' });
    const work = kplus.Volume.fromEmptyDir(this, 'WorkVolume', 'work');
    const tmp = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp');
    const securityContext = RESTRICTED_CONTAINER;
    const resources = SMALL_CONTAINER_RESOURCES;
    const mounts = [
      { path: SCRIPTS_DIR, volume: scripts, readOnly: true },
      { path: SQL_DIR, volume: sql, readOnly: true },
      { path: WORK_DIR, volume: work },
      { path: '/tmp', volume: tmp },
    ];
    const value = kplus.EnvValue.fromValue;
    const common = {
      MIGRATION_ID: value(migration.id),
      SQL_SHA256: value(this.analysis.sha256),
      CHECKPOINT_DIR: value(WORK_DIR),
      HOME: value('/tmp'),
    };
    const postgres = {
      ...postgresConnection(this, props.cluster, this.jobName),
      PGOPTIONS: value(`-c lock_timeout=${migration.lockTimeout ?? '5s'} -c statement_timeout=${migration.statementTimeout ?? '15min'}`),
    };
    const postgresImage = props.cluster.imageName;

    job.addInitContainer({
      name: 'gate',
      image: props.gateImage ?? DEFAULT_GATE_IMAGE,
      command: ['sh', `${SCRIPTS_DIR}/gate.sh`],
      envVariables: {
        ...common,
        BACKUP_NAME: value(this.backupName),
        CLUSTER_NAME: value(props.cluster.name),
        NAMESPACE: value(props.cluster.namespace),
        MAX_BACKUP_AGE_SECONDS: value(String((props.maxBackupAgeMinutes ?? 60) * 60)),
        WAIT_TIMEOUT_SECONDS: value(String(Math.floor((migration.activeDeadlineSeconds ?? 3600) / 2))),
        POLL_SECONDS: value('10'),
      },
      securityContext,
      resources,
      volumeMounts: mounts,
    });
    job.addInitContainer({
      name: 'checkpoint',
      image: postgresImage,
      command: ['sh', `${SCRIPTS_DIR}/checkpoint.sh`],
      envVariables: { ...common, ...postgres, TERMINATION_LOG: value('/dev/termination-log') },
      securityContext,
      resources,
      volumeMounts: mounts,
    });
    job.addContainer({
      name: 'migrate',
      image: migration.image ?? postgresImage,
      command: migration.image ? migration.command && [...migration.command] : ['sh', `${SCRIPTS_DIR}/run.sh`],
      envVariables: {
        ...common,
        ...postgres,
        SQL_FILE: value(`${SQL_DIR}/up.sql`),
        TRANSACTIONAL: value(String(this.analysis.transactional)),
        JOB_NAME: value(this.jobName),
        CLONED_ON: value(props.clonedOn ?? ''),
      },
      securityContext,
      resources,
      volumeMounts: mounts,
    });

    renderIntoFile(this, file, [props.sql], [backup]);
  }

  /** What the migration guardrails review: the declaration, the analysis and the evidence. */
  public reviewObject(): { kind: string; name: string; manifest: unknown } {
    const migration = this.migration;
    return {
      kind: 'Migration',
      name: migration.id,
      manifest: {
        id: migration.id,
        release: migration.release,
        phase: migration.phase,
        completes: migration.completes,
        sql: migration.sql,
        sha256: this.analysis.sha256,
        transactional: this.analysis.transactional,
        syntaxError: this.analysis.syntaxError,
        statements: this.analysis.statements,
        rollback: {
          strategies: migration.rollback.strategies,
          steps: migration.rollback.steps,
          downSql: migration.rollback.downSql,
          downSyntaxError: this.downAnalysis?.syntaxError,
        },
        cluster: this.cluster.name,
        cloneValidation: this.cloneValidation,
      },
    };
  }
}
