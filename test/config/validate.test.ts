import { formatConfigError, validateEnvironments } from '../../src/config/validate';
import { renderEnvironments } from '../../src/synthesize';
import { estate, REPO_ROOT, shippedEnvironments, shippedMigrations, withEnvironment } from '../helpers/fixtures';

const validate = (environments: readonly unknown[], migrations: readonly unknown[] = shippedMigrations()) => validateEnvironments(environments, migrations, REPO_ROOT);

test('the shipped configs are valid', () => {
  expect(validate(shippedEnvironments())).toEqual([]);
});

/** Every field path of a config object, nested ones included (`backup.schedule`). */
function fieldPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...fieldPaths(child, `${prefix}${key}.`)]);
}

test('a field left out of a shipped config or catalog entry is named with what it takes, never a bare "is required"', () => {
  const messages: string[] = [];
  const leaveOut = (config: any, path: string) => {
    const keys = path.split('.');
    delete keys.slice(0, -1).reduce((parent, key) => parent[key], config)[keys.at(-1)!];
  };
  for (const [index, environment] of shippedEnvironments().entries()) {
    for (const path of fieldPaths(environment)) {
      const environments = shippedEnvironments();
      leaveOut(environments[index], path);
      messages.push(...validate(environments).map(formatConfigError));
    }
  }
  for (const [index, migration] of shippedMigrations().entries()) {
    for (const path of fieldPaths(migration)) {
      const migrations = shippedMigrations();
      leaveOut(migrations[index], path);
      messages.push(...validate(shippedEnvironments(), migrations).map(formatConfigError));
    }
  }
  const required = [...new Set(messages.filter((message) => message.includes('is required')))];
  expect(required.length).toBeGreaterThan(20);
  expect(required.filter((message) => !/is required(:|,| for) .*\w/.test(message) || message.includes('a non-empty string'))).toEqual([]);
});

test('an empty slot in the list of environments or in the migration catalog is reported where it is, not skipped', () => {
  const [develop, ...others] = shippedEnvironments();
  const [first, ...rest] = shippedMigrations();
  expect(validateEnvironments([develop, , ...others], [first, , ...rest], REPO_ROOT)).toEqual([
    expect.objectContaining({ file: 'src/config/migrations.ts', field: 'migrations[1]', message: expect.stringMatching(/empty slot/) }),
    expect.objectContaining({ file: 'src/config/index.ts', field: 'environments[1]', message: expect.stringMatching(/empty slot/) }),
  ]);
  // Synthesis reports it too, and still checks the rest.
  expect(renderEnvironments({ environments: [develop, , ...others], migrations: [first, , ...rest], repoRoot: REPO_ROOT }).status).toBe('invalid-config');
});

test('a mistake in a catalog entry names the entry by its id, next to its position', () => {
  const migrations = shippedMigrations();
  const { rollback: _removed, ...withoutRollback } = migrations[3] as any;
  const anonymous = { ...(migrations[4] as any), id: 7 };
  const errors = validate(shippedEnvironments(), [...migrations.slice(0, 3), withoutRollback, anonymous]);
  expect(errors.map(formatConfigError)).toEqual(expect.arrayContaining([
    "src/config/migrations.ts: migrations[3].rollback (migration 0004-index-email-normalized): is required, e.g. { strategies: ['pitr'], steps: 'Restore to before-<id> with PitrRestore.' }",
    expect.stringMatching(/^src\/config\/migrations\.ts: migrations\[4\]\.id: /),
  ]));
});

describe('fails when', () => {
  test.each([
    ['cluster.instances is a string', (env: any) => { env.cluster.instances = '3'; }, 'cluster.instances', /whole number from 1 to 99/],
    ['cluster.instances is 0', (env: any) => { env.cluster.instances = 0; }, 'cluster.instances', /whole number from 1 to 99/],
    ['cluster.instances is huge', (env: any) => { env.cluster.instances = 1e9; }, 'cluster.instances', /whole number/],
    ['cluster.name is empty', (env: any) => { env.cluster.name = ''; }, 'cluster.name', /non-empty string/],
    ['storageSize is not a quantity', (env: any) => { env.cluster.storageSize = '100 GB'; }, 'cluster.storageSize', /Kubernetes quantity/],
    ['imageName uses latest', (env: any) => { env.cluster.imageName = 'ghcr.io/cloudnative-pg/postgresql:latest'; }, 'cluster.imageName', /tag starts with the PostgreSQL major version/],
    ['a field is misspelt', (env: any) => { env.cluster.instance = 3; }, 'cluster.instance', /not a known field/],
    ['provider is unknown', (env: any) => { env.objectStore.provider = 'gcs'; }, 'objectStore.provider', /"cloudflare-r2", "aws-s3", "s3-compatible"/],
    ['destinationPath is not an S3 URL', (env: any) => { env.objectStore.destinationPath = 'https://bucket/'; }, 'objectStore.destinationPath', /s3:\/\/<bucket>/],
    ['R2 has no endpoint', (env: any) => { delete env.objectStore.endpointURL; }, 'objectStore.endpointURL', /required for provider "cloudflare-r2"/],
    ['credentials are missing', (env: any) => { delete env.objectStore.credentials; }, 'objectStore.credentials', /is required/],
    ['the schedule is a number', (env: any) => { env.backup.schedule = 3; }, 'backup.schedule', /non-empty string, got number/],
    ['clonedOn is not a day', (env: any) => { env.cloneFrom.clonedOn = '2026-02-30'; }, 'cloneFrom.clonedOn', /must be a real day written YYYY-MM-DD, e.g. "2026-11-16": February 2026 has 28 days/],
    ['clonedOn has the wrong shape', (env: any) => { env.cloneFrom.clonedOn = '16.11.2026'; }, 'cloneFrom.clonedOn', /YYYY-MM-DD/],
    ['the clone source is itself', (env: any) => { env.cloneFrom.environment = 'staging'; }, 'cloneFrom.environment', /cycle \(staging → staging\)/],
    ['suppressions is not a list', (env: any) => { env.suppressions = { id: 'X' }; }, 'suppressions', /must be a list/],
    ['a parameter is not a string', (env: any) => { env.cluster.postgresqlParameters = { max_connections: 200 }; }, 'cluster.postgresqlParameters.max_connections', /non-empty string, got number/],
    // `[a, , b]`: forEach and map skip the hole, later code would read undefined (found by bad-input, seed 229057109).
    ['databases has an empty slot', (env: any) => { env.databases = [,]; }, 'databases[0]', /empty slot \(two commas with nothing between them\): remove the extra comma/],
    ['migrations.applied has an empty slot', (env: any) => { env.migrations.applied = [env.migrations.applied[0], , env.migrations.applied[1]]; }, 'migrations.applied[1]', /empty slot/],
  ])('%s', (_case, change, field, message) => {
    const errors = validate(withEnvironment('staging', change));
    expect(errors).toContainEqual(expect.objectContaining({ file: 'src/config/staging.ts', field, message: expect.stringMatching(message) }));
  });

  test.each([
    ['two targets', { name: 'r', target: { time: '2026-11-25T10:00:00Z', lsn: '0/1' }, verify: [] }, 'restores[0].target', /exactly one target .*got time and lsn/],
    ['no target', { name: 'r', target: {}, verify: [] }, 'restores[0].target', /exactly one target .*got none/],
    ['a time without zone', { name: 'r', target: { time: '2026-11-25 10:00:00' }, verify: [] }, 'restores[0].target.time', /RFC 3339 time with a zone/],
    ['a restore point without backup', { name: 'r', target: { restorePoint: '0005-drop-email' }, verify: [] }, 'restores[0].target.backupId', /is required/],
    ['a backup name for its id', { name: 'r', target: { restorePoint: '0005-drop-email', backupId: 'backup-20261125095930' }, verify: [] }, 'restores[0].target.backupId',
      /^must be barman's backup id YYYYMMDDTHHMMSS, as in Backup.status.backupId \(e.g. "20261125T095930"\): "backup-20261125095930" is barman's backup name .*custom-columns=BACKUP:.metadata.name,NAME:.status.backupName,ID:.status.backupId$/],
    ['a Backup object name for its id', { name: 'r', target: { beforeMigration: '0005-drop-email', startedAt: '2026-11-25T10:00:05Z', backupId: 'pre-migration-0005-drop-email-943fce8b' }, verify: [] }, 'restores[0].target.backupId',
      /kubectl -n <namespace> get backups.postgresql.cnpg.io pre-migration-0005-drop-email-943fce8b -o jsonpath='\{.status.backupId\}'; .*checkpoint record \("backupId"\) or its ledger row/],
    ['the restore point for the backup', { name: 'r', target: { immediate: true, backupId: 'before-0005-drop-email' }, verify: [] }, 'restores[0].target.backupId', /"before-0005-drop-email" is a restore point: give the migration \("0005-drop-email"\) to restorePoint/],
    ['the source name', { name: 'app-db', target: { time: '2026-11-25T10:00:00Z' }, verify: [] }, 'restores[0].name', /must differ from the cluster it restores/],
    ['a migration the environment does not apply', { name: 'r', target: { beforeMigration: '0099-x', startedAt: '2026-11-25T10:00:00Z' }, verify: [] }, 'restores[0].target', /names migration "0099-x", which this database does not apply/],
    ['a backup end without the backup it ends', { name: 'r', target: { time: '2026-11-25T10:00:00Z', backupStoppedAt: '2026-11-25T09:00:00Z' }, verify: [] }, 'restores[0].target.backupStoppedAt',
      /^is the end of the pinned base backup, but no backupId pins one: add that backup's id \(status\.backupId\), e\.g\. backupId: '20261125T095930', or leave both out and barman picks the newest backup that ended before the target$/],
    ['a backup end without a zone', { name: 'r', target: { time: '2026-11-25T10:00:00Z', backupId: '20261125T085930', backupStoppedAt: '2026-11-25 09:00:00' }, verify: [] }, 'restores[0].target.backupStoppedAt',
      /^must be the end of the pinned base backup, RFC 3339 with a zone, as its Backup's status\.stoppedAt \(or the checkpoint record's "backupStoppedAt"\) holds it, e\.g\. "2026-11-25T10:00:02Z": /],
  ])('a restore has %s', (_case, restore, field, message) => {
    const errors = validate(withEnvironment('production', (env: any) => { env.restores = [restore]; }));
    expect(errors).toContainEqual(expect.objectContaining({ file: 'src/config/production.ts', field, message: expect.stringMatching(message) }));
  });

  test('two environments form a clone cycle', () => {
    const environments = shippedEnvironments();
    environments.find((env) => env.name === 'production')!.cloneFrom = { environment: 'staging', clonedOn: '2026-11-01', credentials: { clusterSecretStore: 'store', remoteKey: 'k' } };
    expect(validate(environments)).toContainEqual(expect.objectContaining({ field: 'cloneFrom.environment', message: expect.stringMatching(/cycle \(staging → production → staging\)|cycle \(production → staging → production\)/) }));
  });

  test('an environment clones one that is not configured', () => {
    const environments = shippedEnvironments().filter((env) => env.name !== 'production');
    expect(validate(environments)).toContainEqual(expect.objectContaining({ file: 'src/config/staging.ts', message: expect.stringMatching(/"production", which is not configured/) }));
  });

  test('an environment is defined twice', () => {
    const environments = shippedEnvironments();
    environments.push(structuredClone(environments[0]));
    expect(validate(environments)).toContainEqual(expect.objectContaining({ field: 'name', message: expect.stringMatching(/defined twice/) }));
  });

  test.each([null, 42, 'production', []])('an environment is %j', (config) => {
    const errors = validate([config]);
    expect(errors).toEqual([expect.objectContaining({ file: 'src/config/index.ts', field: 'environments[0]', message: expect.stringMatching(/must be an object/) })]);
  });
});

describe('further databases and settled migrations fail when', () => {
  const migratorCredentials = { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/billing-db-migrator' };
  const billing = { cluster: { name: 'billing-db', storageSize: '10Gi' }, migrations: { applied: ['0001-create-users'], migratorCredentials } };
  test.each([
    ['a database repeats the environment\'s cluster name', 'develop', (env: any) => { env.databases = [{ ...billing, cluster: { ...billing.cluster, name: 'app-db' } }]; }, 'databases[0].cluster.name', /names cluster "app-db", which cluster.name already names/],
    ['a database is named like a restore', 'develop', (env: any) => {
      env.restores = [{ name: 'billing-db', target: { time: '2026-11-25T10:00:00Z' }, verify: [] }];
      env.databases = [billing];
    }, 'databases[0].cluster.name', /which restores\[0\].name already names/],
    ['a database with migrations has no migrator credentials', 'develop', (env: any) => { env.databases = [{ ...billing, migrations: { applied: ['0001-create-users'] } }]; }, 'databases[0].migrations.migratorCredentials', /is required: the password of the role migrations run as .*never the application's/],
    ['a database that is not a clone has no storage size', 'develop', (env: any) => { env.databases = [{ ...billing, cluster: { name: 'billing-db' } }]; }, 'databases[0].cluster.storageSize', /is required: the size of each instance's data volume, e.g. "20Gi" \(only a clone, cloneFrom, takes its source's\)/],
    ['a database field is misspelt', 'develop', (env: any) => { env.databases = [{ ...billing, migration: {} }]; }, 'databases[0].migration', /not a known field/],
    ['a database has a wrong type', 'develop', (env: any) => { env.databases = [{ ...billing, cluster: { ...billing.cluster, instances: 'two' } }]; }, 'databases[0].cluster.instances', /whole number/],
    ['a database applies an unknown migration', 'develop', (env: any) => { env.databases = [{ ...billing, migrations: { applied: ['0099-x'], migratorCredentials } }]; }, 'databases[0].migrations.applied[0]', /does not declare/],
    ['a cloning environment\'s database has no counterpart in the source', 'staging', (env: any) => { env.databases = [billing]; }, 'databases[0].cluster.name', /names no database of production, which this environment clones \(cloneFrom\): add "billing-db" to the databases of src\/config\/production.ts first, or set cloneOf/],
    ['a cloning environment\'s database names a source that does not exist', 'staging', (env: any) => { env.databases = [{ ...billing, cloneOf: 'orders-db' }]; }, 'databases[0].cloneOf', /names no database of production.*add "orders-db"/],
    ['the environment\'s own database names what it clones', 'staging', (env: any) => { env.cloneOf = 'app-db'; }, 'cloneOf', /is not a known field/],
    ['settledThrough is not applied', 'develop', (env: any) => { env.migrations.settledThrough = '0099-x'; }, 'migrations.settledThrough', /which migrations.applied does not list/],
    ['a restore targets a settled migration', 'production', (env: any) => {
      env.migrations.settledThrough = '0005-drop-email';
      env.restores = [{ name: 'r', target: { restorePoint: '0005-drop-email', backupId: '20261123T100000' }, verify: [] }];
    }, 'restores[0].target', /is settled .*restore to a time instead/],
  ])('%s', (_case, environment, change, field, message) => {
    const errors = validate(withEnvironment(environment as 'develop', change));
    expect(errors).toContainEqual(expect.objectContaining({ file: `src/config/${environment}.ts`, field, message: expect.stringMatching(message) }));
  });

  test('a restore named like its own source is reported once, with the precise message', () => {
    const errors = validate(withEnvironment('production', (env: any) => { env.restores = [{ name: 'app-db', target: { time: '2026-11-25T10:00:00Z' }, verify: [] }]; }));
    expect(errors.filter((error) => error.field === 'restores[0].name').map((error) => error.message)).toEqual([
      'must differ from the cluster it restores ("app-db"): recovery always creates a new cluster',
    ]);
  });

  test('a database inherits the object store but never its explicit archive folder', () => {
    const environments = withEnvironment('develop', (env: any) => { env.objectStore.serverName = 'app-db-v2'; env.databases = [billing]; });
    expect(validate(environments)).toEqual([]);
    const outcome = renderEnvironments(estate(environments));
    if (outcome.status !== 'rendered') throw new Error(outcome.status);
    const folder = (path: string) => /serverName: (\S+)/.exec(outcome.files.find((file) => file.path === path)!.content)![1];
    expect([folder('infrastructure/data/cnpg-clusters/develop/cluster.yaml'), folder('infrastructure/data/cnpg-clusters/develop/billing-db/cluster.yaml')]).toEqual(['app-db-v2', 'billing-db']);
  });
});

describe('migrations.applied follows the order of the migration catalog', () => {
  const catalog = ['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized', '0005-drop-email'];
  const inCatalogOrder = `list them as [${catalog.map((id) => `'${id}'`).join(', ')}]`;
  test('fails when develop swaps its first two migrations: 0001 would run after 0002', () => {
    const errors = validate(withEnvironment('develop', (env: any) => { env.migrations.applied = [catalog[1], catalog[0], ...catalog.slice(2)]; }));
    expect(errors.map(formatConfigError)).toEqual([
      `src/config/develop.ts: migrations.applied: "0002-add-email-normalized" (at [0]) must come after "0001-create-users", as in src/config/migrations.ts: migrations run in the order of migrations.applied, which must follow the catalog's; ${inCatalogOrder} (got "0002-add-email-normalized")`,
    ]);
  });
  test('fails at the first entry out of order, in a further database too', () => {
    const errors = validate(withEnvironment('production', (env: any) => {
      env.databases = [{ cluster: { name: 'billing-db', storageSize: '10Gi' }, migrations: { applied: [catalog[0], catalog[2], catalog[3], catalog[1]], migratorCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/billing-db-migrator' } } }];
    }));
    expect(errors).toEqual([expect.objectContaining({
      file: 'src/config/production.ts',
      field: 'databases[0].migrations.applied',
      value: '0003-backfill-email-normalized',
      message: expect.stringMatching(/^"0003-backfill-email-normalized" \(at \[1\]\) must come after "0002-add-email-normalized", .*list them as \['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized'\]$/),
    })]);
  });
  test('synthesis reports the order, not a contract whose expand a partial list would leave out', () => {
    const outcome = renderEnvironments(estate(withEnvironment('develop', (env: any) => { env.migrations.applied = [catalog[1], catalog[0], ...catalog.slice(2)]; })));
    if (outcome.status !== 'invalid-config') throw new Error(outcome.status);
    expect(outcome.configErrors.map((error) => error.field)).toEqual(['migrations.applied']);
    expect(outcome.report.violations.filter((violation) => violation.severity === 'error')).toEqual([]);
  });
  test('an environment may still skip catalog entries', () => {
    expect(validate(withEnvironment('develop', (env: any) => { env.migrations.applied = [catalog[0], catalog[2], catalog[4]]; }))).toEqual([]);
  });
});

test('every mistake is reported at once, one line each, naming file and field', () => {
  const outcome = renderEnvironments(estate(withEnvironment('production', (env: any) => {
    env.cluster.instances = 'three';
    env.backup.retentionPolicy = undefined;
    env.objectStore.credentials.clusterSecretStore = 'Not A Name';
  })));
  expect(outcome.status).toBe('invalid-config');
  if (outcome.status !== 'invalid-config') return;
  expect(outcome.configErrors.map(formatConfigError)).toEqual([
    'src/config/production.ts: cluster.instances: must be a whole number from 1 to 99 (got "three")',
    'src/config/production.ts: objectStore.credentials.clusterSecretStore: must be the name of a ClusterSecretStore (lowercase letters, digits, dashes), e.g. "platform-secrets" (got "Not A Name")',
    'src/config/production.ts: backup.retentionPolicy: is required: how long the backups and WAL stay in the object store, e.g. "30d"',
  ]);
});
