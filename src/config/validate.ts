import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { loadAll } from 'js-yaml';
import { clustersDirectory } from '../flux/layout';
import { redactQuoted, redactValue } from '../security/credentials';
import { readOnlyQueryProblem } from '../migrations/read-only-query';
import { calendarDay, calendarDayProblem, zonedTime, zonedTimeProblem } from '../values/calendar-time';
import { STORAGE_SIZE_PATTERN } from '../values/storage-size';
import { cloneSourceKey, databasesOf } from './databases';
import { BackupConfig, ClusterConfig, CredentialsConfig, DatabaseConfig, EnvironmentConfig, EnvironmentName, ExistingSecretConfig, ExternalSecretConfig, MigrationConfig, ObjectStoreConfig, RecoveryAssertionConfig } from './types';
import { backupIdProblem, restorePointOf } from '../values/recovery-target';

/** A mistake in an environment config, reported like a compiler error. */
export interface ConfigError {
  /** The environment file, e.g. `src/config/production.ts`, or `src/config/index.ts` for the list. */
  readonly file: string;
  /** Dotted path of the field, e.g. `cluster.instances`. */
  readonly field: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
  readonly value: unknown;
  /**
   * The id of the catalog entry the field belongs to, named next to its position.
   * @default - none: the field is no catalog entry's, or the entry has no readable id
   */
  readonly migration?: string;
}

type Report = (field: string, message: string, value: unknown) => void;
type Validator = (value: unknown, field: string, report: Report) => void;

const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['develop', 'staging', 'production'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = STORAGE_SIZE_PATTERN;
const CPU = /^[0-9]+(\.[0-9]+)?m?$/;
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const MIGRATION_ID = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
const RELEASE = /^\d+\.\d+\.\d+$/;
const PG_DURATION = /^\d+(us|ms|s|min|h|d)?$/;
export const MIGRATIONS_FILE = 'src/config/migrations.ts';
/** Where migration SQL lives: its content is rendered into the Flux tree, so nothing else may be read. */
const SQL_DIRECTORY = 'migrations';
/** The committed Flux tree, relative to the repository root: the hand-written files of flux.additionalResources are there. */
const FLUX_DIRECTORY = 'flux';

/**
 * Config names that become file, folder and object names. Validated here, not by a guardrail, so
 * no suppression can let one through: a name with a slash or dots would write outside its
 * directory. A DNS-1035 label (the Kubernetes names page; Services need one) has at most 63
 * characters.
 */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MAX = 63;
/** Every name: kustomize reads `kustomization.yaml`, which synthesis generates in every directory. */
const KUSTOMIZATION = { kustomization: 'kustomize reads kustomization.yaml as the list of its directory, which synthesis generates' };
/** Names the generator gives files beside those named after a migration. */
const MIGRATION_RESERVED = {
  ...KUSTOMIZATION,
  scripts: 'jobs/scripts.yaml holds the migration scripts of the directory',
  timeline: 'docs/runbooks/<env>/timeline.md is the migration timeline',
  stages: 'cnpg-migration-stages is the Flux stage that applies the migration stages',
  complete: 'cnpg-migrations/<env>/complete/ is the empty folder the cnpg-migrations stage applies once every migration ran',
};
/** Folders of the environment's own database, beside which a further database gets folders named after its cluster. */
const DATABASE_FOLDER_RESERVED = {
  jobs: 'a further database\'s folders are named after its cluster, and cnpg-migrations/<env>/jobs/ holds the environment database\'s migrations',
  backups: 'a further database\'s folders are named after its cluster, and cnpg-migrations/<env>/backups/ holds the environment database\'s backups',
  clusters: 'a further database\'s folders are named after its cluster, and cnpg-restores/<env>/clusters/ holds the environment database\'s restores',
  verify: 'a further database\'s folders are named after its cluster, and cnpg-restores/<env>/verify/ holds the environment database\'s restore verifications',
  complete: 'a further database\'s folders are named after its cluster, and cnpg-migrations/<env>/complete/ is the folder the environment database\'s cnpg-migrations stage applies',
};


function describe(value: unknown): string {
  return value === undefined ? 'nothing' : typeof value === 'string' ? 'a string' : Array.isArray(value) ? 'a list' : typeof value;
}

/** A non-empty string, matching `pattern` when given; `expected` says what it is, for a missing or mismatched value. */
const text = (pattern?: RegExp, expected?: string): Validator => (value, field, report) => {
  if (value === undefined) report(field, `is required: ${expected ?? 'a non-empty string'}`, value);
  else if (typeof value !== 'string' || value.trim() === '') report(field, `must be a non-empty string, got ${describe(value)}`, value);
  else if (pattern && !pattern.test(value)) report(field, `must be ${expected}`, value);
};

const integer = (min: number, max: number): Validator => (value, field, report) => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    report(field, `must be a whole number from ${min} to ${max}`, value);
  }
};

const flag: Validator = (value, field, report) => {
  if (typeof value !== 'boolean') report(field, 'must be true or false', value);
};

const oneOf = (allowed: readonly string[]): Validator => (value, field, report) => {
  if (typeof value !== 'string' || !allowed.includes(value)) report(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
};

/** A text that must pass a check: `problem` says what is wrong ("must be ..."), or undefined; `expected` what it is when missing. */
const checked = (problem: (value: string) => string | undefined, expected?: string): Validator => (value, field, report) => {
  text(undefined, expected)(value, field, report);
  const found = typeof value === 'string' && value.trim() !== '' ? problem(value) : undefined;
  if (found !== undefined) report(field, found, value);
};

/** `must be <what>: <why not>` when `cause` finds something wrong. */
const mustBe = (what: string, cause: (value: string) => string | undefined) => (value: string): string | undefined => {
  const found = cause(value);
  return found === undefined ? undefined : `must be ${what}: ${found}`;
};

const DAY = 'a real day written YYYY-MM-DD, e.g. "2026-11-16"';
/** A real day, `YYYY-MM-DD`: a calendar-invalid day is refused, never rolled over. */
const day = checked(mustBe(DAY, calendarDayProblem), DAY);

/** A real RFC 3339 time with a zone: a calendar-invalid date or time is refused, never rolled over. */
const zonedTimeOf = (what: string): Validator => checked(mustBe(what, zonedTimeProblem), what);

const optional = (validator: Validator): Validator => (value, field, report) => {
  if (value !== undefined) validator(value, field, report);
};

/** A field that must be set, with what it is for when it is missing. */
const required = (validator: Validator, what: string): Validator => (value, field, report) => {
  if (value === undefined) report(field, `is required: ${what}`, value);
  else validator(value, field, report);
};

/**
 * Visits every entry of a list, reporting an empty slot (`[a, , b]`, which forEach and map skip
 * but later code would read as undefined) instead of visiting it.
 */
function eachEntry(values: readonly unknown[], field: string, report: Report, visit: (entry: unknown, field: string, index: number) => void): void {
  for (let index = 0; index < values.length; index += 1) {
    if (index in values) visit(values[index], `${field}[${index}]`, index);
    else report(`${field}[${index}]`, 'is an empty slot (two commas with nothing between them): remove the extra comma', undefined);
  }
}

const list = (item: Validator): Validator => (value, field, report) => {
  if (!Array.isArray(value)) return report(field, `must be a list, got ${describe(value)}`, value);
  eachEntry(value, field, report, (entry, entryField) => item(entry, entryField, report));
};

const stringMap: Validator = (value, field, report) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return report(field, `must be an object of strings, got ${describe(value)}`, value);
  for (const [key, entry] of Object.entries(value)) text()(entry, `${field}.${key}`, report);
};

/**
 * An object whose spec must name every field of T, so a new config field cannot go unchecked;
 * `example` is what a missing one could be.
 */
function object<T>(spec: { readonly [K in keyof T]-?: Validator }, example?: string): Validator {
  return (value, field, report) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return report(field, value === undefined ? `is required${example === undefined ? '' : `, e.g. ${example}`}` : `must be an object, got ${value === null ? 'null' : describe(value)}`, value);
    }
    const prefix = field === '' ? '' : `${field}.`;
    for (const key of Object.keys(value)) {
      if (!(key in spec)) report(`${prefix}${key}`, `is not a known field (allowed: ${Object.keys(spec).join(', ')})`, (value as any)[key]);
    }
    for (const [key, validator] of Object.entries(spec) as [string, Validator][]) {
      validator((value as any)[key], `${prefix}${key}`, report);
    }
  };
}

const suppressionList = optional(list(object<NonNullable<EnvironmentConfig['suppressions']>[number]>({
  id: text(undefined, 'the id of the guardrail to suppress, e.g. "BKP004"'),
  reason: text(undefined, 'why the finding does not apply here, in a sentence a reviewer can check'),
})));

const externalSecret = object<ExternalSecretConfig>({
  clusterSecretStore: text(DNS_LABEL, 'the name of a ClusterSecretStore (lowercase letters, digits, dashes), e.g. "platform-secrets"'),
  remoteKey: text(undefined, 'the key of the secret in that store, e.g. "cnpg/<environment>/<secret>"'),
  refreshInterval: optional(text(DURATION, 'a Go duration such as "1h" or "30m"')),
}, "{ clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/<environment>/<secret>' }");

/** External Secrets, or `{ existingSecret }` for a Secret the repository provides (SOPS). */
const credentials: Validator = (value, field, report) => {
  if (value !== null && typeof value === 'object' && 'existingSecret' in value) {
    object<ExistingSecretConfig>({ existingSecret: text(DNS_LABEL, 'the name of a Secret in the namespace') })(value, field, report);
  } else {
    externalSecret(value, field, report);
  }
};

/** Every validator, each reporting its own problem. */
const every = (...validators: Validator[]): Validator => (value, field, report) => {
  for (const validator of validators) validator(value, field, report);
};

const notReserved = (reserved: Record<string, string>): Validator => (value, field, report) => {
  if (typeof value === 'string' && Object.hasOwn(reserved, value)) report(field, `must not be "${value}": ${reserved[value as keyof typeof reserved]}; choose another name`, value);
};

/** A cluster or restore name: it names the Cluster, its Services, Secrets and generated files. */
const clusterName = every(
  text(DNS_1035_LABEL, 'a DNS-1035 label: lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit (it names the Cluster, its Services and generated files)'),
  (value, field, report) => {
    if (typeof value === 'string' && value.length > DNS_LABEL_MAX) report(field, `must have at most ${DNS_LABEL_MAX} characters (a DNS label), got ${value.length}`, value);
  },
  notReserved(KUSTOMIZATION),
);

const TARGET_FORMS = ['beforeMigration', 'restorePoint', 'time', 'lsn', 'immediate'] as const;
/** Barman's backup id (Backup.status.backupId); a backup name or restore point is told where the id is. */
const BACKUP_ID = checked(backupIdProblem);
/** When the pinned base backup ended; RST002 compares it with the target time. */
const BACKUP_STOPPED_AT = optional(zonedTimeOf('the end of the pinned base backup, RFC 3339 with a zone, as its Backup\'s status.stoppedAt (or the checkpoint record\'s "backupStoppedAt") holds it, e.g. "2026-11-25T10:00:02Z"'));

/** Exactly one target form, with the fields that form takes. */
const restoreTarget: Validator = (value, field, report) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return report(field, 'must be an object with exactly one of beforeMigration, restorePoint, time, lsn, immediate', value);
  const forms = TARGET_FORMS.filter((form) => form in value);
  if (forms.length !== 1) return report(field, `must name exactly one target (beforeMigration, restorePoint, time, lsn or immediate), got ${forms.length === 0 ? 'none' : forms.join(' and ')}`, value);
  const specs: Record<(typeof TARGET_FORMS)[number], Record<string, Validator>> = {
    beforeMigration: { beforeMigration: text(MIGRATION_ID, 'a migration id'), startedAt: zonedTimeOf('the startedAt of the migration\'s checkpoint record, RFC 3339 with a zone'), backupId: optional(BACKUP_ID), backupStoppedAt: BACKUP_STOPPED_AT },
    restorePoint: { restorePoint: text(MIGRATION_ID, 'the id of the migration whose restore point before-<id> to recover to'), backupId: BACKUP_ID },
    time: { time: zonedTimeOf('an RFC 3339 time with a zone, e.g. "2026-11-25T10:00:04Z"'), backupId: optional(BACKUP_ID), backupStoppedAt: BACKUP_STOPPED_AT },
    lsn: { lsn: text(/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/, 'a WAL location such as "0/3000060"'), backupId: optional(BACKUP_ID) },
    immediate: { immediate: (v, f, r) => { if (v !== true) r(f, 'must be true', v); }, backupId: BACKUP_ID },
  };
  object(specs[forms[0]])(value, field, report);
  const { backupId, backupStoppedAt } = value as { backupId?: unknown; backupStoppedAt?: unknown };
  if (backupStoppedAt !== undefined && backupId === undefined && 'backupStoppedAt' in specs[forms[0]]) {
    report(`${field}.backupStoppedAt`, 'is the end of the pinned base backup, but no backupId pins one: add that backup\'s id (status.backupId), e.g. backupId: \'20261125T095930\', or leave both out and barman picks the newest backup that ended before the target', backupStoppedAt);
  }
};

/** The fields of one database, shared by an environment's own and its further `databases`. */
const databaseFields = {
  cluster: object<ClusterConfig>({
    name: clusterName,
    instances: optional(integer(1, 99)),
    imageName: optional(text(/^[^@\s]+:[0-9][^:/@\s]*(@sha256:[0-9a-f]{64})?$/, 'an image whose tag starts with the PostgreSQL major version, optionally pinned by digest, e.g. "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie@sha256:<64 hex digits>" (CNPG reads the major version from the tag, so a digest alone is refused)')),
    storageSize: optional(text(QUANTITY, 'a Kubernetes quantity such as "20Gi"')),
    storageClass: optional(text()),
    walStorageSize: optional(text(QUANTITY, 'a Kubernetes quantity such as "5Gi"')),
    resources: optional(object<NonNullable<ClusterConfig['resources']>>({
      requests: object({ cpu: text(CPU, 'a CPU quantity such as "500m" or "2"'), memory: text(QUANTITY, 'a memory quantity such as "4Gi"') }, "{ cpu: '500m', memory: '1Gi' }"),
      limits: optional(object({
        cpu: optional(text(CPU, 'a CPU quantity such as "500m" or "2"')),
        memory: optional(text(QUANTITY, 'a memory quantity such as "4Gi"')),
      })),
    })),
    topologyKey: optional(text()),
    podAntiAffinityType: optional(oneOf(['preferred', 'required'])),
    enableSuperuserAccess: optional(flag),
    database: optional(text(/^[a-z_][a-z0-9_]*$/, 'a PostgreSQL identifier (lowercase letters, digits, underscores)')),
    owner: optional(text(/^[a-z_][a-z0-9_]*$/, 'a PostgreSQL role name (lowercase letters, digits, underscores)')),
    postgresqlParameters: optional(stringMap),
  }, "{ name: 'orders-db', storageSize: '20Gi' }"),
  objectStore: object<ObjectStoreConfig>({
    provider: oneOf(['cloudflare-r2', 'aws-s3', 's3-compatible']),
    destinationPath: text(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'an S3 URL "s3://<bucket>/<optional prefix>"'),
    endpointURL: optional(text()),
    credentials,
    serverName: optional(text(DNS_LABEL, 'a folder name (lowercase letters, digits, dashes)')),
    walCompression: optional(oneOf(['bzip2', 'gzip', 'lz4', 'snappy', 'xz', 'zstd'])),
    dataCompression: optional(oneOf(['bzip2', 'gzip', 'lz4', 'snappy'])),
    walMaxParallel: optional(integer(1, 64)),
    immediateCheckpoint: optional(flag),
  }, "{ provider: 'cloudflare-r2', destinationPath: 's3://<bucket>/<prefix>', endpointURL: 'https://<account id>.r2.cloudflarestorage.com', credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/<environment>/r2' } }"),
  backup: object<BackupConfig>({
    schedule: text(undefined, 'a CNPG schedule: six fields, seconds first, e.g. "0 0 3 * * *" (every day at 03:00)'),
    retentionPolicy: text(undefined, 'how long the backups and WAL stay in the object store, e.g. "30d"'),
    target: optional(oneOf(['primary', 'prefer-standby'])),
  }, "{ schedule: '0 0 3 * * *', retentionPolicy: '30d' }"),
  appCredentials: optional(credentials),
  monitoring: optional(object<NonNullable<EnvironmentConfig['monitoring']>>({
    enabled: optional(flag),
    replicationLagSeconds: optional(integer(1, 86_400)),
  })),
  suppressions: suppressionList,
  migrations: optional(object<NonNullable<EnvironmentConfig['migrations']>>({
    applied: list(text(MIGRATION_ID, 'a migration id from src/config/migrations.ts')),
    migratorCredentials: required(credentials, "the password of the role migrations run as (never the application's), e.g. { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/<environment>/<cluster>-migrator' }"),
    migratorRole: optional(text(/^[a-z_][a-z0-9_]*$/, 'a PostgreSQL role name (lowercase letters, digits, underscores)')),
    maxBackupAgeMinutes: optional(integer(1, 1440)),
    maxCloneAgeDays: optional(integer(1, 90)),
    gateImage: optional(text(/^[^\s@]+(@sha256:[0-9a-f]{64})?$/, 'an image reference such as "registry.internal/k8s:1.32.4@sha256:<64 hex digits>"')),
    settledThrough: optional(text(MIGRATION_ID, 'the id of a migration in migrations.applied')),
  })),
  migrationValidations: optional(list(object<NonNullable<EnvironmentConfig['migrationValidations']>[number]>({
    migration: text(MIGRATION_ID, 'a migration id'),
    sqlSha256: text(/^sha256:[0-9a-f]{64}$/, '"sha256:" and 64 hex digits, as the migration Job prints it'),
    validatedAt: zonedTimeOf('the finishedAt of the staging Job\'s record, an RFC 3339 time with a zone, e.g. "2026-11-18T09:30:00Z"'),
    clonedOn: day,
  }))),
  restores: optional(list(object<NonNullable<EnvironmentConfig['restores']>[number]>({
    name: clusterName,
    target: restoreTarget,
    instances: optional(integer(1, 99)),
    storageSize: optional(text(QUANTITY, 'a Kubernetes quantity such as "20Gi"')),
    verify: list(object<RecoveryAssertionConfig>({
      name: text(undefined, 'what the assertion checks, e.g. "users survived"'),
      sql: checked(readOnlyQueryProblem, 'a read-only query returning one value, e.g. "SELECT count(*) FROM users"'),
      expect: text(undefined, 'the value the query must return, as psql prints it, e.g. "6"'),
    })),
  }))),
};

const environmentSpec = object<EnvironmentConfig>({
  name: oneOf(ENVIRONMENT_NAMES),
  namespace: text(DNS_LABEL, 'a namespace name (lowercase letters, digits, dashes)'),
  ...databaseFields,
  cloneFrom: optional(object<NonNullable<EnvironmentConfig['cloneFrom']>>({
    environment: oneOf(ENVIRONMENT_NAMES),
    clonedOn: day,
    credentials: externalSecret,
  })),
  flux: optional(object<NonNullable<EnvironmentConfig['flux']>>({
    sourceName: optional(text(DNS_LABEL, 'the name of a Flux GitRepository')),
    dependsOn: optional(list(text(DNS_LABEL, 'the name of a Flux Kustomization'))),
    interval: optional(text(DURATION, 'a Go duration such as "10m"')),
    sopsSecretName: optional(text(DNS_LABEL, 'the name of the Secret holding the SOPS key')),
    additionalResources: optional(list(every(
      text(/^[a-z0-9][-a-z0-9.]*\.ya?ml$/, 'the name of a YAML file in the environment\'s database directory, e.g. "r2-credentials.sops.yaml"'),
      (value, field, report) => notReserved(KUSTOMIZATION)(String(value).replace(/\.ya?ml$/, ''), field, (at, message) => report(at, message, value)),
    ))),
  })),
  databases: optional(list(object<DatabaseConfig>({
    ...databaseFields,
    cloneOf: optional(text(DNS_LABEL, 'the cluster name of a database of the environment this one clones')),
    objectStore: optional(databaseFields.objectStore),
    backup: optional(databaseFields.backup),
  }))),
});

const migrationSpec = object<MigrationConfig>({
  id: every(text(MIGRATION_ID, 'lowercase letters, digits and dashes, at most 40 characters (it names Kubernetes objects and generated files)'), notReserved(MIGRATION_RESERVED)),
  release: text(RELEASE, 'a release version MAJOR.MINOR.PATCH, e.g. "1.4.0"'),
  phase: oneOf(['expand', 'migrate', 'contract']),
  completes: optional(text(MIGRATION_ID, 'the id of the expand migration this contract completes')),
  sql: text(/\.sql$/, `the path of a .sql file below ${SQL_DIRECTORY}/, relative to the repository root`),
  rollback: object<MigrationConfig['rollback']>({
    strategies: list(oneOf(['pitr', 'down-sql', 'forward-fix'])),
    steps: text(undefined, 'how to bring the data back, in words, e.g. "Restore to before-<id> with PitrRestore."'),
    downSql: optional(text(/\.sql$/, `the path of a .sql file below ${SQL_DIRECTORY}/, relative to the repository root`)),
  }, "{ strategies: ['pitr'], steps: 'Restore to before-<id> with PitrRestore.' }"),
  image: optional(text()),
  command: optional(list(text())),
  lockTimeout: optional(text(PG_DURATION, 'a PostgreSQL duration such as "5s" or "2min"')),
  statementTimeout: optional(text(PG_DURATION, 'a PostgreSQL duration such as "15min"')),
  activeDeadlineSeconds: optional(integer(60, 86_400)),
  suppressions: suppressionList,
});

/** Path of an environment's config file. */
export function configFileOf(name: unknown): string {
  return typeof name === 'string' && (ENVIRONMENT_NAMES as readonly string[]).includes(name) ? `src/config/${name}.ts` : 'src/config/index.ts';
}

/**
 * Checks the shape of every environment config and the references between them, and returns
 * every mistake found. Policy (retention minimums, schedules, instance counts...) is left to
 * the guardrails, which see the rendered objects.
 */
export function validateEnvironments(configs: readonly unknown[], migrations: readonly unknown[] = [], repoRoot = '.'): ConfigError[] {
  // A mistaken value may hold a credential (a password in a check's SQL): never print it.
  return configErrors(configs, migrations, repoRoot).map((error) => ({ ...error, message: redactQuoted(error.message, error.value), value: redactValue(error.value) }));
}

function configErrors(configs: readonly unknown[], migrations: readonly unknown[], repoRoot: string): ConfigError[] {
  const errors: ConfigError[] = validateMigrations(migrations, repoRoot);
  const seen = new Map<unknown, number>();
  // The list itself is in src/config/index.ts.
  const reportInList: Report = (field, message, value) => errors.push({ file: configFileOf(undefined), field, message, value });
  eachEntry(configs, 'environments', reportInList, (config, _field, index) => {
    const name = (config as any)?.name;
    const file = configFileOf(name);
    const report: Report = (field, message, value) => errors.push({ file, field: field || `environments[${index}]`, message, value });
    environmentSpec(config, '', report);
    if (seen.has(name)) report('name', `environment "${String(name)}" is defined twice (also at position ${seen.get(name)})`, name);
    seen.set(name, index);
  });
  if (errors.length > 0) return errors;

  const environments = configs as readonly EnvironmentConfig[];
  const catalogIndex = new Map((migrations as readonly MigrationConfig[]).map((migration, index) => [migration.id, index]));
  for (const env of environments) {
    const file = configFileOf(env.name);
    const clusterNames = new Map<string, string>();
    for (const database of databasesOf(env)) {
      const prefix = database.configPrefix ?? '';
      const report: Report = (field, message, value) => errors.push({ file, field: `${prefix}${field}`, message, value });
      if (database.qualifier) notReserved(DATABASE_FOLDER_RESERVED)(database.qualifier, 'cluster.name', report);
      const applied = database.migrations?.applied ?? [];
      const settled = database.migrations?.settledThrough;
      // A restore named like its own source gets the more precise message below.
      const restoreNames = (database.restores ?? []).map((restore, index) => [`restores[${index}].name`, restore.name]).filter(([, name]) => name !== database.cluster.name);
      for (const [field, name] of [['cluster.name', database.cluster.name], ...restoreNames]) {
        const first = clusterNames.get(name);
        if (first !== undefined) report(field, `names cluster "${name}", which ${first} already names: every cluster of an environment needs its own name (it names its archive folder, Services and Flux stages)`, name);
        else clusterNames.set(name, `${prefix}${field}`);
      }
      database.restores?.forEach((restore, index) => {
        if (restore.name === database.cluster.name) report(`restores[${index}].name`, `must differ from the cluster it restores ("${database.cluster.name}"): recovery always creates a new cluster`, restore.name);
        const migration = 'beforeMigration' in restore.target ? restore.target.beforeMigration : 'restorePoint' in restore.target ? restore.target.restorePoint : undefined;
        const restorePointOwner = applied.find((id) => restorePointOf(id) === migration);
        if (migration !== undefined && restorePointOwner !== undefined) {
          const form = 'restorePoint' in restore.target ? 'restorePoint' : 'beforeMigration';
          report(`restores[${index}].target.${form}`, `names the restore point "${migration}" itself: ${form} takes the id of the migration whose checkpoint created it, "${restorePointOwner}"`, migration);
        } else if (migration !== undefined && !applied.includes(migration)) {
          report(`restores[${index}].target`, `names migration "${migration}", which this database does not apply (migrations.applied), so it has no checkpoint to restore to`, migration);
        } else if (migration !== undefined && settled !== undefined && applied.indexOf(migration) <= applied.indexOf(settled)) {
          report(`restores[${index}].target`, `names migration "${migration}", which is settled (migrations.settledThrough "${settled}"): its rollback window is over and its checkpoint objects are gone; restore to a time instead`, migration);
        }
        // A restore before a migration always checks the ledger; any other one needs a check of its own.
        if (restore.verify.length === 0 && migration === undefined) {
          report(`restores[${index}].verify`, 'must list at least one check: a restore to a time, an LSN or a backup has no migration whose absence the ledger could show, and a verification without assertions proves nothing; e.g. { name: \'users are back\', sql: \'SELECT count(*) > 0 FROM users\', expect: \'t\' }', restore.verify);
        }
      });
      database.migrationValidations?.forEach((record, index) => {
        if (!applied.includes(record.migration)) {
          report(`migrationValidations[${index}].migration`, `names migration "${record.migration}", which this database does not apply (migrations.applied): a validation record is evidence of a run here; copy it from the output of this database's migration Job`, record.migration);
        }
        // The Job prints the clone date it was rendered with: a record cannot name a later clone, nor run before its clone was taken.
        const clonedOn = database.cloneFrom?.clonedOn;
        if (clonedOn !== undefined && record.clonedOn > clonedOn) {
          report(`migrationValidations[${index}].clonedOn`, `is later than this environment's clone (cloneFrom.clonedOn "${clonedOn}"): the migration Job prints the clone date it runs on, so no run of "${record.migration}" happened on a clone of "${record.clonedOn}"; copy the record the Job printed, unchanged`, record.clonedOn);
        }
        if (zonedTime(record.validatedAt)!.getTime() < calendarDay(record.clonedOn)!.getTime()) {
          report(`migrationValidations[${index}].validatedAt`, `is before the clone it claims to have run on (clonedOn "${record.clonedOn}"): a run on a clone happens after the clone is taken; copy the record the Job printed, unchanged`, record.validatedAt);
        }
      });
      const listed = new Set<string>();
      applied.forEach((id, index) => {
        if (!catalogIndex.has(id)) report(`migrations.applied[${index}]`, `names migration "${id}", which ${MIGRATIONS_FILE} does not declare`, id);
        if (listed.has(id)) report(`migrations.applied[${index}]`, `lists migration "${id}" twice`, id);
        listed.add(id);
      });
      if (listed.size === applied.length && applied.every((id) => catalogIndex.has(id))) catalogOrder(applied, catalogIndex, report);
      if (settled !== undefined && !applied.includes(settled)) {
        report('migrations.settledThrough', `names migration "${settled}", which migrations.applied does not list: only applied migrations can settle`, settled);
      }
      if (database.cluster.storageSize === undefined && !env.cloneFrom) {
        report('cluster.storageSize', 'is required: the size of each instance\'s data volume, e.g. "20Gi" (only a clone, cloneFrom, takes its source\'s)', undefined);
      }
      if (database.objectStore.provider !== 'aws-s3' && database.objectStore.endpointURL === undefined) {
        report('objectStore.endpointURL', `is required for provider "${database.objectStore.provider}" (R2: "https://<account id>.r2.cloudflarestorage.com")`, undefined);
      }
      const source = database.qualifier && env.cloneFrom && environments.find((candidate) => candidate.name === env.cloneFrom!.environment);
      if (source && !(source.databases ?? []).some((candidate) => candidate.cluster.name === cloneSourceKey(database))) {
        const field = database.cloneOf === undefined ? 'cluster.name' : 'cloneOf';
        report(field, `names no database of ${source.name}, which this environment clones (cloneFrom): add "${cloneSourceKey(database)}" to the databases of ${configFileOf(source.name)} first, or set cloneOf to the name of the one to recover from`, cloneSourceKey(database));
      }
    }
    const report: Report = (field, message, value) => errors.push({ file, field, message, value });
    checkExistingSecrets(env, repoRoot, report);
    if (env.cloneFrom) {
      const chain = [env.name];
      let source: EnvironmentConfig | undefined = env;
      while (source?.cloneFrom) {
        const next: EnvironmentName = source.cloneFrom.environment;
        if (chain.includes(next)) {
          report('cloneFrom.environment', `clones form a cycle (${[...chain, next].join(' → ')}); one environment must bootstrap from initdb`, env.cloneFrom.environment);
          break;
        }
        chain.push(next);
        source = environments.find((candidate) => candidate.name === next);
        if (!source) report('cloneFrom.environment', `names environment "${next}", which is not configured (configured: ${environments.map((e) => e.name).join(', ')})`, next);
      }
    }
  }
  return errors;
}

/**
 * A database's migrations run in the order of `migrations.applied`, each Job after the one before
 * it: on a new cluster (develop is re-created often) that order must be the catalog's, or an
 * ALTER TABLE runs before its CREATE TABLE. Skipping catalog entries stays allowed.
 */
function catalogOrder(applied: readonly string[], catalogIndex: ReadonlyMap<string, number>, report: Report): void {
  const ordered = [...applied].sort((a, b) => catalogIndex.get(a)! - catalogIndex.get(b)!);
  const first = applied.findIndex((id, index) => id !== ordered[index]);
  if (first === -1) return;
  // The list, not its entry, is wrong: leaving one entry out to check the rest would report its contract's expand as missing.
  report('migrations.applied', `"${applied[first]}" (at [${first}]) must come after "${ordered[first]}", as in ${MIGRATIONS_FILE}: migrations run in the order of migrations.applied, which must follow the catalog's; list them as [${ordered.map((id) => `'${id}'`).join(', ')}]`, applied[first]);
}

/**
 * The Secrets the hand-written files of `flux.additionalResources` provide, by name: a `Secret`
 * (typically SOPS-encrypted), or the target of an `ExternalSecret`. Reports a listed file that is
 * missing, a symbolic link, or no YAML.
 */
function providedSecrets(env: EnvironmentConfig, repoRoot: string, report: Report): Set<string> {
  const directory = join(FLUX_DIRECTORY, clustersDirectory(databasesOf(env)[0]));
  const provided = new Set<string>();
  (env.flux?.additionalResources ?? []).forEach((file, index) => {
    const field = `flux.additionalResources[${index}]`;
    const path = join(repoRoot, directory, file);
    if (!existsSync(path)) return report(field, `names ${directory}/${file}, which does not exist: write the file (e.g. a SOPS-encrypted Secret) before listing it, kustomize fails on a missing resource`, file);
    if (lstatSync(path).isSymbolicLink()) return report(field, `names ${directory}/${file}, which is a symbolic link: synthesis never follows links in the Flux tree; put the file itself there`, file);
    let documents: unknown[];
    try {
      documents = loadAll(readFileSync(path, 'utf8'));
    } catch (error) {
      return report(field, `names ${directory}/${file}, which is not valid YAML (${(error as Error).message.split('\n')[0]})`, file);
    }
    for (const document of documents) {
      const manifest: any = document ?? {};
      if (manifest.kind === 'Secret' && manifest.metadata?.name) provided.add(manifest.metadata.name);
      if (manifest.kind === 'ExternalSecret') provided.add(manifest.spec?.target?.name ?? manifest.metadata?.name);
    }
  });
  return provided;
}

/** Every `existingSecret` of an environment's databases must name a Secret a file of flux.additionalResources provides. */
function checkExistingSecrets(env: EnvironmentConfig, repoRoot: string, report: Report): void {
  const provided = providedSecrets(env, repoRoot, report);
  const databases: [string, DatabaseConfig][] = [['', env], ...(env.databases ?? []).map((database, index): [string, DatabaseConfig] => [`databases[${index}].`, database])];
  for (const [prefix, database] of databases) {
    const references: [string, CredentialsConfig | undefined][] = [
      ['objectStore.credentials', database.objectStore?.credentials],
      ['appCredentials', database.appCredentials],
      ['migrations.migratorCredentials', database.migrations?.migratorCredentials],
    ];
    for (const [field, credentials] of references) {
      if (credentials === undefined || !('existingSecret' in credentials) || provided.has(credentials.existingSecret)) continue;
      report(`${prefix}${field}.existingSecret`, `names Secret "${credentials.existingSecret}", which nothing in the tree provides: list the file that holds it (a SOPS-encrypted Secret, or an ExternalSecret with target.name "${credentials.existingSecret}") in flux.additionalResources, or take the credentials from the secret store ({ clusterSecretStore, remoteKey })`, credentials.existingSecret);
    }
  }
}

/** Checks the migration catalog: shapes, unique ids, and that every SQL file it names exists. */
function validateMigrations(migrations: readonly unknown[], repoRoot: string): ConfigError[] {
  const errors: ConfigError[] = [];
  const report: Report = (field, message, value) => errors.push({ file: MIGRATIONS_FILE, field, message, value });
  const seen = new Set<unknown>();
  const sqlDirectory = join(repoRoot, SQL_DIRECTORY);
  const realSqlDirectory = existsSync(sqlDirectory) ? realpathSync.native(sqlDirectory) : sqlDirectory;
  eachEntry(migrations, 'migrations', report, (migration, _field, index) => {
    const before = errors.length;
    const entryId = (migration as { id?: unknown } | null)?.id;
    // A catalog is long: its position alone is hard to find, its id is not.
    const reportEntry: Report = typeof entryId === 'string' && entryId !== ''
      ? (field, message, value) => errors.push({ file: MIGRATIONS_FILE, field, message, value, migration: entryId })
      : report;
    migrationSpec(migration, `migrations[${index}]`, reportEntry);
    if (errors.length > before) return;
    const { id, sql, rollback } = migration as MigrationConfig;
    if (seen.has(id)) reportEntry(`migrations[${index}].id`, `migration "${id}" is declared twice`, id);
    seen.add(id);
    for (const [field, path] of [['sql', sql], ['rollback.downSql', rollback.downSql]] as const) {
      const problem = path === undefined ? undefined : sqlPathProblem(repoRoot, realSqlDirectory, path);
      if (problem) reportEntry(`migrations[${index}].${field}`, problem, path);
    }
  });
  return errors;
}

/**
 * Why a migration's SQL path may not be read, or undefined. Its content is rendered into the Flux
 * tree (and so into Git): the path must stay below migrations/, resolved, through no symbolic link
 * that leads out of it.
 */
function sqlPathProblem(repoRoot: string, realSqlDirectory: string, path: string): string | undefined {
  const segments = path.split(/[\\/]/);
  if (isAbsolute(path) || segments[0] !== SQL_DIRECTORY || segments.some((segment) => segment === '..' || segment === '.' || segment === '')) {
    return `must be a path below ${SQL_DIRECTORY}/ without "..", e.g. "${SQL_DIRECTORY}/0006-add-index/up.sql": the file's content is rendered into the Flux tree, so nothing outside ${SQL_DIRECTORY}/ may be read`;
  }
  let real: string;
  try {
    real = realpathSync.native(join(repoRoot, path));
  } catch {
    return `file ${path} does not exist (paths are relative to the repository root)`;
  }
  if (!real.startsWith(realSqlDirectory + sep)) return `leads through a symbolic link to ${real}, outside ${SQL_DIRECTORY}/: the file's content is rendered into the Flux tree; copy the SQL into ${SQL_DIRECTORY}/ instead`;
  if (!statSync(real).isFile()) return `is not a file`;
  return undefined;
}

/** `src/config/production.ts: cluster.instances: must be ... (got 0)` */
export function formatConfigError(error: ConfigError): string {
  const got = error.value === undefined ? '' : ` (got ${JSON.stringify(error.value)})`;
  const entry = error.migration === undefined ? '' : ` (migration ${error.migration})`;
  return `${error.file}: ${error.field}${entry}: ${error.message}${got}`;
}
