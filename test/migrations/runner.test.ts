import { ApiObject } from 'cdk8s';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuardedMigrationJob } from '../../src/constructs/guarded-migration-job';
import { buildApp } from '../../src/synthesize';
import { estate } from '../helpers/fixtures';
import { startPostgres, TestServer } from '../helpers/postgres';

/**
 * The checkpoint and run scripts of the rendered develop Jobs, executed for real: dash, the
 * psql client, and a PostgreSQL 18 server. The database is owned by a role without superuser
 * rights (as on CNPG), with exactly the grants the cluster's bootstrap SQL renders. Only the
 * connection variables are swapped for the local server; every other variable is the Job's.
 */
let server: TestServer;
let jobs: GuardedMigrationJob[];

beforeAll(async () => {
  const { charts } = buildApp(estate());
  jobs = charts.flatMap((chart) => chart.node.findAll()).filter((c): c is GuardedMigrationJob => c instanceof GuardedMigrationJob && c.node.path.startsWith('develop-'));
  const cluster = charts.find((chart) => chart.environment.name === 'develop' && chart.directory.includes('cnpg-clusters'))!
    .node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Cluster')!.toJson();
  server = await startPostgres();
  server.psql("CREATE ROLE app LOGIN PASSWORD 'app'");
  server.psql('CREATE DATABASE app OWNER app');
  for (const grant of cluster.spec.bootstrap.initdb.postInitApplicationSQL) server.psql(grant, { database: 'app' });
}, 60_000);
afterAll(() => server?.stop());

function job(id: string): { env: Record<string, string>; scripts: Record<string, string> } {
  const migration = jobs.find((candidate) => candidate.migration.id === id)!;
  const manifest = migration.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Job')!.toJson();
  const sql = migration.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'ConfigMap')!.toJson();
  const scripts = jobs[0].node.scope!.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'ConfigMap' && c.name.startsWith('cnpg-migration-scripts-'))!.toJson();
  const container = manifest.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.filter((v: any) => v.value !== undefined).map((v: any) => [v.name, v.value]));
  return { env, scripts: { ...scripts.data, ...sql.data } };
}

interface Run { status: number | null; stdout: string; stderr: string; termination: string }

/** Runs a script of a migration's ConfigMap; `sql` replaces up.sql (for failure cases). */
function run(id: string, script: 'checkpoint.sh' | 'run.sh', overrides: Record<string, string> = {}, sql?: string): Run {
  const { env, scripts } = job(id);
  const dir = mkdtempSync(join(tmpdir(), 'job-'));
  for (const [name, content] of Object.entries(scripts)) writeFileSync(join(dir, name), name === 'up.sql' && sql !== undefined ? sql : content);
  writeFileSync(join(dir, 'backup.env'), 'BACKUP_NAME=pre-migration-x\nBACKUP_ID=backup-20261123100000\nBACKUP_STOPPED_AT=2026-11-23T10:00:00Z\n');
  const result = spawnSync('/bin/sh', [join(dir, script)], {
    encoding: 'utf8',
    env: {
      ...env,
      ...server.env,
      PGDATABASE: 'app',
      PGUSER: 'app',
      PGPASSWORD: 'app',
      HOME: dir,
      CHECKPOINT_DIR: dir,
      SQL_FILE: join(dir, 'up.sql'),
      TERMINATION_LOG: join(dir, 'termination-log'),
      ...overrides,
    },
  });
  let termination = '';
  try { termination = readFileSync(join(dir, 'termination-log'), 'utf8'); } catch { /* not written */ }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, termination };
}

const app13 = {
  insert: (email: string) => server.psql(`INSERT INTO users (email) VALUES ('${email}')`, { user: 'app', password: 'app', database: 'app' }),
  read: () => server.psql('SELECT email FROM users ORDER BY id', { user: 'app', password: 'app', database: 'app' }),
};
const app14 = {
  insert: (email: string) => server.psql(`INSERT INTO users (email_normalized) VALUES ('${email}')`, { user: 'app', password: 'app', database: 'app' }),
  read: () => server.psql("SELECT coalesce(email_normalized, '<null>') FROM users ORDER BY id", { user: 'app', password: 'app', database: 'app' }),
};

test('the checkpoint creates the restore point as the owner and records it with the database clock', () => {
  const result = run('0001-create-users', 'checkpoint.sh');
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const record = JSON.parse(result.termination);
  expect(record).toEqual({
    migration: '0001-create-users',
    sqlSha256: job('0001-create-users').env.SQL_SHA256,
    backup: 'pre-migration-x',
    backupId: 'backup-20261123100000',
    backupStoppedAt: '2026-11-23T10:00:00Z',
    restorePoint: 'before-0001-create-users',
    restorePointLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/),
    startedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
  });
  expect(Math.abs(Date.parse(record.startedAt) - Date.now())).toBeLessThan(60_000);
});

test('expand: release 1.3.0 keeps working after 0002, and the trigger dual-writes', () => {
  expect(run('0001-create-users', 'run.sh').status).toBe(0);
  app13.insert('Ada@Example.org');
  const expand = run('0002-add-email-normalized', 'run.sh');
  expect(expand.stderr).toBe('');
  expect(expand.status).toBe(0);
  expect(expand.stdout).toMatch(/run: 0002-add-email-normalized applied at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z; WAL switched at [0-9A-F]+\/[0-9A-F]+/);
  app13.insert('Grace@Example.org');
  expect(app13.read()).toBe('Ada@Example.org\nGrace@Example.org');
  expect(app14.read()).toBe('<null>\ngrace@example.org');
});

test('migrate backfills; the non-transactional index runs statement by statement', () => {
  expect(run('0003-backfill-email-normalized', 'run.sh').status).toBe(0);
  expect(app14.read()).toBe('ada@example.org\ngrace@example.org');
  const index = run('0004-index-email-normalized', 'run.sh');
  expect(job('0004-index-email-normalized').env.TRANSACTIONAL).toBe('false');
  expect(index.stdout).toMatch(/cannot run in a transaction; running it statement by statement/);
  expect(index.status).toBe(0);
  expect(server.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_normalized_key'::regclass", { database: 'app' })).toBe('t');
});

test('contract: after 0005 release 1.3.0 queries fail and release 1.4.0 needs nothing of the old shape', () => {
  const contract = run('0005-drop-email', 'run.sh');
  expect(contract.status).toBe(0);
  expect(() => app13.read()).toThrow(/column "email" does not exist/);
  app14.insert('linus@example.org');
  expect(app14.read()).toBe('ada@example.org\ngrace@example.org\nlinus@example.org');
});

test('an applied migration is skipped; the same id with other SQL is refused', () => {
  const again = run('0005-drop-email', 'run.sh');
  expect(again.status).toBe(0);
  expect(again.stdout).toMatch(/already applied with the same SQL; nothing to do/);
  const changed = run('0005-drop-email', 'run.sh', { SQL_SHA256: 'sha256:changed' });
  expect(changed.status).toBe(1);
  expect(changed.stderr).toMatch(/was applied with different SQL .*ship a new migration instead of editing an applied one/);
});

test('the runner stops at the first error and leaves no half-applied transaction', () => {
  const failing = run('0002-add-email-normalized', 'run.sh', { MIGRATION_ID: '0099-broken', SQL_SHA256: 'sha256:broken' },
    'ALTER TABLE users ADD COLUMN first text;\nALTER TABLE missing ADD COLUMN second text;\nALTER TABLE users ADD COLUMN third text;\n');
  expect(failing.status).not.toBe(0);
  expect(failing.stderr).toMatch(/relation "missing" does not exist/);
  expect(server.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('first', 'third')", { database: 'app' })).toBe('0');
  expect(server.psql("SELECT count(*) FROM cnpg_gitops.applied_migrations WHERE id = '0099-broken'", { database: 'app' })).toBe('0');
});

test('lock_timeout from the Job stops a migration that waits for a lock', async () => {
  const holder = spawn('psql', ['-X', '-d', 'app', '-c', 'BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;'], {
    env: { ...server.env, PGUSER: 'postgres', PGPASSWORD: 'postgres' },
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = Date.now();
    const blocked = run('0002-add-email-normalized', 'run.sh', { MIGRATION_ID: '0098-blocked', SQL_SHA256: 'sha256:blocked', PGOPTIONS: '-c lock_timeout=1s -c statement_timeout=15min' },
      'ALTER TABLE users ADD COLUMN blocked text;\n');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toMatch(/canceling statement due to lock timeout/);
    expect(Date.now() - started).toBeLessThan(10_000);
  } finally {
    holder.kill();
    // The server session sleeps on with its lock after the client is gone: end it too.
    server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()");
  }
  expect(job('0002-add-email-normalized').env.PGOPTIONS).toBe('-c lock_timeout=5s -c statement_timeout=15min');
}, 30_000);

test('on a clone the runner prints the validation record for the promoted environment', () => {
  const staged = run('0002-add-email-normalized', 'run.sh', { MIGRATION_ID: '0097-noop', SQL_SHA256: 'sha256:noop', CLONED_ON: '2026-11-16' }, 'SELECT 1;\n');
  expect(staged.status).toBe(0);
  expect(staged.stdout).toMatch(/\{ migration: '0097-noop', sqlSha256: 'sha256:noop', validatedAt: '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z', clonedOn: '2026-11-16' \},/);
});

test('the recovery verification script passes matching assertions and fails listing every mismatch', () => {
  const { Testing } = require('cdk8s');
  const { CnpgCluster } = require('../../src/constructs/cnpg-cluster');
  const { RecoveryVerificationJob } = require('../../src/constructs/recovery-verification-job');
  const chart = Testing.chart();
  const cluster = new CnpgCluster(chart, 'Db', { name: 'app-db', storageSize: '1Gi', retentionPolicy: '7d', objectStore: { provider: 'aws-s3', destinationPath: 's3://b/', credentials: { clusterSecretStore: 's', remoteKey: 'k' } } });
  const verify = (assertions: { name: string; sql: string; expect: string }[]) => {
    const inner = Testing.chart();
    new RecoveryVerificationJob(inner, 'Verify', { cluster, assertions, fileName: 'v.yaml' });
    const data = Testing.synth(inner).find((m: any) => m.kind === 'ConfigMap').data;
    const dir = mkdtempSync(join(tmpdir(), 'verify-'));
    for (const [name, content] of Object.entries(data)) writeFileSync(join(dir, name), content as string);
    return spawnSync('/bin/sh', [join(dir, 'verify.sh')], { encoding: 'utf8', env: { ...server.env, PGDATABASE: 'app', PGUSER: 'app', PGPASSWORD: 'app', ASSERTIONS_DIR: dir } });
  };
  const ok = verify([{ name: 'rows', sql: 'SELECT count(*) >= 0 FROM users', expect: 't' }, { name: 'ledger', sql: "SELECT count(*) FROM cnpg_gitops.applied_migrations WHERE id = '0001-create-users'", expect: '1' }]);
  expect(ok.status).toBe(0);
  expect(ok.stdout).toMatch(/verify: ok   01-rows\nverify: ok   02-ledger\nverify: all 2 assertions passed/);
  const bad = verify([{ name: 'rows', sql: 'SELECT 41', expect: '42' }, { name: 'broken', sql: 'SELECT * FROM missing', expect: '1' }, { name: 'fine', sql: 'SELECT 1', expect: '1' }]);
  expect(bad.status).toBe(1);
  expect(bad.stdout).toMatch(/verify: FAIL 01-rows: expected "42", got "41"/);
  expect(bad.stdout).toMatch(/verify: FAIL 02-broken: .*relation "missing" does not exist/);
  expect(bad.stdout).toMatch(/verify: ok   03-fine/);
  expect(bad.stderr).toMatch(/2 of 3 assertions failed: do not switch the application to this cluster/);
});
