import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatConfigError, validateEnvironments } from '../../src/config/validate';
import { synthesize } from '../../src/synthesize';
import { estate, REPO_ROOT, shippedEnvironments, shippedMigrations, withEnvironment } from '../helpers/fixtures';

/**
 * Names that become file, folder or object names, and the SQL paths whose content is rendered,
 * are checked by the config layer: no guardrail suppression can let one through.
 */
const validate = (environments: readonly unknown[], migrations: readonly unknown[] = shippedMigrations(), repoRoot = REPO_ROOT) => validateEnvironments(environments, migrations, repoRoot);
const restore = (name: string) => ({ name, target: { time: '2026-11-25T10:00:00Z', backupId: '20261123T100000' }, verify: [{ name: 'one', sql: 'SELECT 1', expect: '1' }] });

describe('cluster and restore names are DNS-1035 labels, never reserved', () => {
  test.each([
    ['../../outside', /must be a DNS-1035 label/],
    ['a/b', /must be a DNS-1035 label/],
    ['App-DB', /must be a DNS-1035 label/],
    ['1db', /must be a DNS-1035 label/],
    ['db-', /must be a DNS-1035 label/],
    [`a${'b'.repeat(63)}`, /must have at most 63 characters \(a DNS label\), got 64/],
    ['kustomization', /must not be "kustomization": kustomize reads kustomization.yaml/],
  ])('%s', (name, message) => {
    const fields = [
      ['cluster.name', (env: any) => { env.cluster.name = name; }],
      ['databases[0].cluster.name', (env: any) => { env.databases = [{ cluster: { name, storageSize: '1Gi' } }]; }],
      ['restores[0].name', (env: any) => { env.restores = [restore(name)]; }],
    ] as const;
    for (const [field, change] of fields) {
      expect(validate(withEnvironment('production', change))).toContainEqual(expect.objectContaining({ file: 'src/config/production.ts', field, message: expect.stringMatching(message), value: name }));
    }
  });

  test('a further database may not take a folder name of the environment\'s own database', () => {
    for (const name of ['jobs', 'backups', 'clusters', 'verify', 'complete']) {
      const errors = validate(withEnvironment('production', (env: any) => { env.databases = [{ cluster: { name, storageSize: '1Gi' } }]; }));
      expect(errors.map(formatConfigError)).toContainEqual(expect.stringMatching(new RegExp(`^src/config/production.ts: databases\\[0\\]\\.cluster\\.name: must not be "${name}": a further database's folders are named after its cluster, .*; choose another name \\(got "${name}"\\)$`)));
    }
  });

  test('a hand-written resource may not be named like the generated kustomization', () => {
    const errors = validate(withEnvironment('production', (env: any) => { env.flux = { additionalResources: ['kustomization.yaml', 'secrets.sops.yaml'] }; }));
    expect(errors).toEqual([expect.objectContaining({ field: 'flux.additionalResources[0]', message: expect.stringMatching(/must not be "kustomization"/), value: 'kustomization.yaml' })]);
  });

  test('valid names pass', () => {
    expect(validate(withEnvironment('production', (env: any) => { env.restores = [restore(`r${'e'.repeat(62)}`)]; env.databases = [{ cluster: { name: 'billing-db', storageSize: '1Gi' } }]; }))).toEqual([]);
  });
});

describe('migration ids never name a generated file', () => {
  test.each(['kustomization', 'scripts', 'timeline', 'stages', 'complete'])('%s', (id) => {
    const migrations = shippedMigrations();
    migrations[0].id = id;
    expect(validate(shippedEnvironments(), migrations)).toContainEqual(expect.objectContaining({ file: 'src/config/migrations.ts', field: 'migrations[0].id', message: expect.stringMatching(new RegExp(`^must not be "${id}": .*; choose another name$`)) }));
  });
});

describe('a migration\'s SQL stays below migrations/', () => {
  /** A repository with migrations/up.sql, migrations/alias.sql (a link to it) and a file outside. */
  function repository(): string {
    const root = mkdtempSync(join(tmpdir(), 'sql-paths-'));
    mkdirSync(join(root, 'migrations'));
    writeFileSync(join(root, 'migrations/up.sql'), 'SELECT 1;\n');
    writeFileSync(join(root, 'secret.sql'), "ALTER ROLE app PASSWORD 'not-for-git';\n");
    symlinkSync(join(root, 'migrations/up.sql'), join(root, 'migrations/alias.sql'));
    symlinkSync(join(root, 'secret.sql'), join(root, 'migrations/escape.sql'));
    symlinkSync(root, join(root, 'migrations/up'));
    return root;
  }
  const errorsFor = (field: 'sql' | 'rollback.downSql', path: string) => {
    const migrations = shippedMigrations();
    if (field === 'sql') migrations[0].sql = path;
    else migrations[0].rollback.downSql = path;
    migrations.forEach((migration, index) => {
      if (index > 0 || field !== 'sql') migration.sql = 'migrations/up.sql';
      if (index > 0 || field !== 'rollback.downSql') delete migration.rollback.downSql;
    });
    return validate(shippedEnvironments(), migrations, repository()).filter((error) => error.field.startsWith('migrations['));
  };

  test.each([
    ['a parent segment', '../secret.sql', /must be a path below migrations\/ without "\.\."/],
    ['a parent segment inside', 'migrations/../secret.sql', /must be a path below migrations\/ without "\.\."/],
    ['an absolute path', '/etc/secret.sql', /must be a path below migrations\//],
    ['another directory', 'src/secret.sql', /must be a path below migrations\//],
    ['a symbolic link out of migrations/', 'migrations/escape.sql', /leads through a symbolic link to .*secret\.sql, outside migrations\//],
    ['a linked directory out of migrations/', 'migrations/up/secret.sql', /leads through a symbolic link to .*secret\.sql, outside migrations\//],
    ['a missing file', 'migrations/missing.sql', /file migrations\/missing.sql does not exist/],
  ])('%s is refused, for the SQL and the down SQL', (_case, path, message) => {
    for (const field of ['sql', 'rollback.downSql'] as const) {
      expect(errorsFor(field, path)).toEqual([expect.objectContaining({ file: 'src/config/migrations.ts', field: `migrations[0].${field}`, message: expect.stringMatching(message), value: path })]);
    }
  });

  test('a link that stays inside migrations/ is fine', () => {
    expect(errorsFor('sql', 'migrations/alias.sql')).toEqual([]);
  });
});

test('suppressing CLU001 lets no hostile name through: nothing is written, nowhere', async () => {
  const checkout = mkdtempSync(join(tmpdir(), 'hostile-'));
  const environments = withEnvironment('production', (env: any) => {
    env.cluster.name = '../../../escaped';
    env.restores = [restore('../restored')];
    env.suppressions = [{ id: 'CLU001', reason: 'we really want this name, trust us' }];
  });
  const outcome = await synthesize({ ...estate(environments), fluxRoot: join(checkout, 'repo/flux'), runbookRoot: join(checkout, 'repo/docs/runbooks') });
  expect(outcome.status).toBe('invalid-config');
  if (outcome.status !== 'invalid-config') return;
  expect(outcome.configErrors.map((error) => error.field)).toEqual(expect.arrayContaining(['cluster.name', 'restores[0].name']));
  expect(readdirSync(checkout)).toEqual(['repo']);
  expect(readdirSync(join(checkout, 'repo'))).toEqual(['.flux-synthesis']);
});
