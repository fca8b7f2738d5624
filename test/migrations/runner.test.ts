import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuardedMigrationJob } from '../../src/constructs/guarded-migration-job';
import { buildApp } from '../../src/synthesize';
import { estate } from '../helpers/fixtures';
import { GATE_BACKUP_NAME, MigrationJobRunner, writeGateOutputs } from '../helpers/migration-job';
import { startPostgres, TestServer } from '../helpers/postgres';

/**
 * The ledger check and the migrate container of the rendered develop Jobs, executed for real
 * (see test/helpers/migration-job.ts): the database belongs to a role without superuser rights
 * (as on CNPG), the Jobs log in as the migrator with exactly the grants the cluster's bootstrap
 * SQL renders, and run strictly in the order, and exactly once, the ledger allows.
 */
let server: TestServer;
let jobs: Map<string, GuardedMigrationJob>;
let runner: MigrationJobRunner;

beforeAll(async () => {
  const { charts } = buildApp(estate());
  const all = charts.flatMap((chart) => chart.node.findAll()).filter((c): c is GuardedMigrationJob => c instanceof GuardedMigrationJob && c.node.path.startsWith('develop-'));
  jobs = new Map(all.map((job) => [job.migration.id, job]));
  server = await startPostgres();
  runner = new MigrationJobRunner(server, 'migrator-secret');
  runner.createDatabase(all[0].cluster);
}, 60_000);
afterAll(() => server?.stop());

const job = (id: string) => jobs.get(id)!;
const asApp = { user: 'app', password: 'app', database: 'app' };
const app13 = {
  insert: (email: string) => server.psql(`INSERT INTO users (email) VALUES ('${email}')`, asApp),
  read: () => server.psql('SELECT email FROM users ORDER BY id', asApp),
};
const app14 = {
  insert: (email: string) => server.psql(`INSERT INTO users (email_normalized) VALUES ('${email}')`, asApp),
  read: () => server.psql("SELECT coalesce(email_normalized, '<null>') FROM users ORDER BY id", asApp),
};
const ledger = (id: string) => server.psql(`SELECT sql_sha256, restore_point, backup_id, started_at IS NOT NULL FROM cnpg_gitops.applied_migrations WHERE id = '${id}'`, { database: 'app' });
const restorePoints = (id: string) => server.log().split('\n').filter((line) => line.includes(`restore point "before-${id}" created`)).length;

test('a migration whose predecessor is not applied refuses to start, naming it', () => {
  const early = runner.run(job('0002-add-email-normalized'), { env: { WAIT_TIMEOUT_SECONDS: '1', POLL_SECONDS: '1' } });
  expect(early.ledger.status).not.toBe(0);
  expect(early.ledger.stderr).toMatch(/refusing to start 0002-add-email-normalized: the migration before it, 0001-create-users \(annotation cnpg-gitops.io\/after\), is not in cnpg_gitops.applied_migrations after 1 s/);
  expect(early.migrate).toBeUndefined();
  expect(server.psql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'", { database: 'app' })).toBe('0');
});

test('the first migration checkpoints as the migrator, records it in the ledger, and the termination message holds the record', () => {
  const first = runner.run(job('0001-create-users'));
  expect(first.ledger.stderr).toBe('');
  expect(first.state).toBe('pending');
  expect(first.migrate!.stderr).toBe('');
  expect(first.migrate!.status).toBe(0);
  const record = JSON.parse(first.termination);
  expect(record).toEqual({
    migration: '0001-create-users',
    sqlSha256: job('0001-create-users').sqlSha256,
    backup: GATE_BACKUP_NAME,
    backupId: '20261123T100000',
    backupStoppedAt: '2026-11-23T10:00:00Z',
    restorePoint: 'before-0001-create-users',
    restorePointLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/),
    startedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
  });
  expect(Math.abs(Date.parse(record.startedAt) - Date.now())).toBeLessThan(60_000);
  expect(ledger('0001-create-users')).toBe(`${job('0001-create-users').sqlSha256}|before-0001-create-users|20261123T100000|t`);
  // The objects belong to the owner, not the migrator: the application keeps full rights on them.
  expect(server.psql("SELECT tableowner FROM pg_tables WHERE tablename = 'users'", { database: 'app' })).toBe('app');
  expect(restorePoints('0001-create-users')).toBe(1);
});

test('expand: release 1.3.0 keeps working after 0002, and the trigger dual-writes', () => {
  app13.insert('Ada@Example.org');
  const expand = runner.run(job('0002-add-email-normalized'));
  expect(expand.migrate!.stderr).toBe('');
  expect(expand.migrate!.status).toBe(0);
  expect(expand.migrate!.stdout).toMatch(/run: 0002-add-email-normalized applied at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z; WAL switched at [0-9A-F]+\/[0-9A-F]+/);
  app13.insert('Grace@Example.org');
  expect(app13.read()).toBe('Ada@Example.org\nGrace@Example.org');
  expect(app14.read()).toBe('<null>\ngrace@example.org');
});

test('migrate backfills; the non-transactional index runs statement by statement', () => {
  expect(runner.run(job('0003-backfill-email-normalized')).migrate!.status).toBe(0);
  expect(app14.read()).toBe('ada@example.org\ngrace@example.org');
  const index = runner.run(job('0004-index-email-normalized'));
  expect(index.migrate!.stdout).toMatch(/cannot run in a transaction; running it statement by statement/);
  expect(index.migrate!.status).toBe(0);
  expect(server.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_normalized_key'::regclass", { database: 'app' })).toBe('t');
});

test('contract: after 0005 release 1.3.0 queries fail and release 1.4.0 needs nothing of the old shape', () => {
  const contract = runner.run(job('0005-drop-email'));
  expect(contract.migrate!.status).toBe(0);
  expect(() => app13.read()).toThrow(/column "email" does not exist/);
  app14.insert('linus@example.org');
  expect(app14.read()).toBe('ada@example.org\ngrace@example.org\nlinus@example.org');
});

test('a re-created Job of an applied migration changes nothing: no backup needed, no restore point, the same ledger row', () => {
  const before = ledger('0005-drop-email');
  const again = runner.run(job('0005-drop-email'));
  expect(again.ledger.status).toBe(0);
  expect(again.state).toBe('applied');
  expect(again.ledger.stdout).toMatch(/0005-drop-email is already applied with the same SQL: nothing runs \(no backup, no restore point\)/);
  expect(again.migrate!.stdout).toMatch(/already applied with the same SQL: nothing to do/);
  expect(again.termination).toBe('');
  expect(ledger('0005-drop-email')).toBe(before);
  expect(restorePoints('0005-drop-email')).toBe(1);
});

test('the same id with other SQL is refused, by the ledger check and by the session under the lock', () => {
  const changed = runner.run(job('0005-drop-email'), { env: { SQL_SHA256: 'sha256:changed' } });
  expect(changed.ledger.status).toBe(1);
  expect(changed.ledger.stderr).toMatch(/0005-drop-email was applied with different SQL .*ship a new migration instead of editing an applied one/);
  const dir = runner.prepare(job('0005-drop-email'));
  writeFileSync(join(dir, 'state'), 'pending\n');
  writeGateOutputs(dir);
  const underLock = runner.container(job('0005-drop-email'), 'migrate', dir, ['run.sh', 'all'], { env: { SQL_SHA256: 'sha256:changed' } });
  expect(underLock.status).not.toBe(0);
  expect(underLock.stderr).toMatch(/run: refusing: 0005-drop-email was applied with different SQL/);
});

test('the runner stops at the first error and leaves no half-applied transaction', () => {
  const failing = runner.run(job('0002-add-email-normalized'), {
    env: { MIGRATION_ID: '0099-broken', SQL_SHA256: 'sha256:broken', AFTER_MIGRATION: '0005-drop-email', AFTER_SHA256: job('0005-drop-email').sqlSha256 },
    sql: 'ALTER TABLE users ADD COLUMN first text;\nALTER TABLE missing ADD COLUMN second text;\nALTER TABLE users ADD COLUMN third text;\n',
  });
  expect(failing.migrate!.status).not.toBe(0);
  expect(failing.migrate!.stderr).toMatch(/relation "missing" does not exist/);
  expect(server.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('first', 'third')", { database: 'app' })).toBe('0');
  expect(server.psql("SELECT count(*) FROM cnpg_gitops.applied_migrations WHERE id = '0099-broken'", { database: 'app' })).toBe('0');
});

test('two Jobs of one migration started together serialize: one applies it, the other waits for the lock and finds it applied', async () => {
  const env = { MIGRATION_ID: '0098-slow', SQL_SHA256: 'sha256:slow', AFTER_MIGRATION: '0005-drop-email', AFTER_SHA256: job('0005-drop-email').sqlSha256 };
  const sql = "CREATE TABLE IF NOT EXISTS runs (at timestamptz);\nINSERT INTO runs VALUES (clock_timestamp());\nSELECT pg_sleep(2);\n";
  const first = runner.prepare(job('0002-add-email-normalized'), { sql });
  const second = runner.prepare(job('0002-add-email-normalized'), { sql });
  // Both pass the ledger check before either runs: the race the lock exists for.
  expect(runner.container(job('0002-add-email-normalized'), 'ledger', first, ['ledger.sh'], { env }).status).toBe(0);
  expect(runner.container(job('0002-add-email-normalized'), 'ledger', second, ['ledger.sh'], { env }).status).toBe(0);
  const results = await Promise.all([
    runner.startMigrate(job('0002-add-email-normalized'), first, { env, sql }),
    runner.startMigrate(job('0002-add-email-normalized'), second, { env, sql }),
  ]);
  expect(results.map((result) => result.status)).toEqual([0, 0]);
  const outputs = results.map((result) => result.stdout);
  expect(outputs.filter((output) => /run: 0098-slow applied at/.test(output))).toHaveLength(1);
  expect(outputs.filter((output) => /run: 0098-slow is already applied with the same SQL: nothing to do/.test(output))).toHaveLength(1);
  expect(server.psql('SELECT count(*) FROM runs', asApp)).toBe('1');
  expect(restorePoints('0098-slow')).toBe(1);
}, 30_000);

test('a migration started while the one before it still runs waits for the lock, then runs after it', async () => {
  const slow = { MIGRATION_ID: '0097-slow', SQL_SHA256: 'sha256:slow2', AFTER_MIGRATION: '0098-slow', AFTER_SHA256: 'sha256:slow' };
  const next = { MIGRATION_ID: '0096-next', SQL_SHA256: 'sha256:next', AFTER_MIGRATION: '0097-slow', AFTER_SHA256: 'sha256:slow2' };
  const first = runner.prepare(job('0002-add-email-normalized'), { sql: 'SELECT pg_sleep(2);\nINSERT INTO runs VALUES (clock_timestamp());\n' });
  const second = runner.prepare(job('0002-add-email-normalized'), { sql: 'INSERT INTO runs VALUES (clock_timestamp());\n' });
  writeFileSync(join(second, 'state'), 'pending\n');
  const running = runner.startMigrate(job('0002-add-email-normalized'), first, { env: slow });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const waiting = runner.startMigrate(job('0002-add-email-normalized'), second, { env: next });
  const [a, b] = await Promise.all([running, waiting]);
  expect([a.status, b.status]).toEqual([0, 0]);
  const order = server.psql("SELECT id FROM cnpg_gitops.applied_migrations WHERE id IN ('0097-slow', '0096-next') ORDER BY applied_at", { database: 'app' });
  expect(order).toBe('0097-slow\n0096-next');
}, 30_000);

test('a migration that starts without its predecessor is refused under the lock too, even past the ledger check', () => {
  const dir = runner.prepare(job('0002-add-email-normalized'), { sql: 'CREATE TABLE never (id int);\n' });
  writeFileSync(join(dir, 'state'), 'pending\n');
  const orphan = runner.startMigrate(job('0002-add-email-normalized'), dir, { env: { MIGRATION_ID: '0095-orphan', SQL_SHA256: 'sha256:orphan', AFTER_MIGRATION: '0094-missing', AFTER_SHA256: 'sha256:missing' } });
  return orphan.then((result) => {
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/run: refusing to start 0095-orphan: the migration before it, 0094-missing, is not applied with its SQL/);
    expect(server.psql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'never'", { database: 'app' })).toBe('0');
    expect(restorePoints('0095-orphan')).toBe(0);
  });
});

test('lock_timeout from the Job stops a migration that waits for a table lock', async () => {
  const holder = spawn('psql', ['-X', '-d', 'app', '-c', 'BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;'], {
    env: { ...server.env, PGUSER: 'postgres', PGPASSWORD: 'postgres' },
  });
  try {
    // Once the holder has its lock (looked for every 50 ms, for at most 20 s).
    const holding = () => server.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND relation = 'users'::regclass AND mode = 'AccessExclusiveLock' AND granted", { database: 'app' }) === '1';
    for (const deadline = Date.now() + 20_000; !holding();) {
      if (Date.now() > deadline) throw new Error('the holder never took its lock on users');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Date.now();
    const blocked = runner.run(job('0002-add-email-normalized'), {
      env: { MIGRATION_ID: '0093-blocked', SQL_SHA256: 'sha256:blocked', AFTER_MIGRATION: '', AFTER_SHA256: '', PGOPTIONS: '-c lock_timeout=1s -c statement_timeout=15min' },
      sql: 'ALTER TABLE users ADD COLUMN blocked text;\n',
    });
    expect(blocked.migrate!.status).not.toBe(0);
    expect(blocked.migrate!.stderr).toMatch(/canceling statement due to lock timeout/);
    expect(Date.now() - started).toBeLessThan(15_000);
  } finally {
    holder.kill();
    // The server session sleeps on with its lock after the client is gone: end it too.
    server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()");
  }
}, 30_000);

test('on a clone the runner prints the validation record for the promoted environment', () => {
  const staged = runner.run(job('0002-add-email-normalized'), {
    env: { MIGRATION_ID: '0092-noop', SQL_SHA256: 'sha256:noop', AFTER_MIGRATION: '', AFTER_SHA256: '', CLONED_ON: '2026-11-16' },
    sql: 'SELECT 1;\n',
  });
  expect(staged.migrate!.status).toBe(0);
  expect(staged.migrate!.stdout).toMatch(/\{ migration: '0092-noop', sqlSha256: 'sha256:noop', validatedAt: '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z', clonedOn: '2026-11-16' \},/);
});

test('a migrator without the checkpoint grants (a cluster bootstrapped before them) is told the exact GRANT', () => {
  server.psql('CREATE DATABASE legacy OWNER app');
  const refused = runner.run(job('0001-create-users'), { database: 'legacy' });
  expect(refused.ledger.status).toBe(1);
  expect(refused.ledger.stderr).toMatch(/role migrator may not create restore points or switch WAL segments; grant it once as superuser: GRANT EXECUTE ON FUNCTION pg_catalog.pg_create_restore_point\(text\), pg_catalog.pg_switch_wal\(\) TO migrator/);
});

describe('the recovery verification Job', () => {
  const { Testing } = require('cdk8s');
  const { CnpgCluster } = require('../../src/constructs/cnpg-cluster');
  const { RecoveryVerificationJob } = require('../../src/restore/recovery-verification-job');
  const chart = Testing.chart();
  const cluster = new CnpgCluster(chart, 'Db', { name: 'app-db', storageSize: '1Gi', retentionPolicy: '7d', objectStore: { provider: 'aws-s3', destinationPath: 's3://b/', credentials: { clusterSecretStore: 's', remoteKey: 'k' } } });
  const PASSWORD = 'Verifier-Pw-7f3kQ9';
  /** The rendered ConfigMap's files, and the session options of the rendered container. */
  const render = (assertions: { name: string; sql: string; expect: string }[]) => {
    const inner = Testing.chart();
    new RecoveryVerificationJob(inner, 'Verify', { cluster, assertions, fileName: 'v.yaml' });
    const manifests = Testing.synth(inner);
    const container = manifests.find((m: any) => m.kind === 'Job').spec.template.spec.containers[0];
    return { data: manifests.find((m: any) => m.kind === 'ConfigMap').data as Record<string, string>, pgOptions: container.env.find((variable: any) => variable.name === 'PGOPTIONS').value as string };
  };
  /** Runs verify.sh as the Job does, over these files, as a role whose password the output must never show. */
  const run = (files: Record<string, string>, pgOptions: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'verify-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return spawnSync('/bin/sh', [join(dir, 'verify.sh')], { encoding: 'utf8', env: { ...server.env, PGDATABASE: 'app', PGUSER: 'verifier', PGPASSWORD: PASSWORD, PGOPTIONS: pgOptions, ASSERTIONS_DIR: dir, HOME: dir } });
  };
  beforeAll(() => {
    server.psql(`CREATE ROLE verifier LOGIN PASSWORD '${PASSWORD}'`);
    server.psql('GRANT SELECT, DELETE ON ALL TABLES IN SCHEMA public, cnpg_gitops TO verifier; GRANT USAGE ON SCHEMA cnpg_gitops TO verifier', { database: 'app' });
  });

  test('passes matching assertions and fails listing every mismatch', () => {
    const ok = render([{ name: 'rows', sql: 'SELECT count(*) >= 0 FROM users', expect: 't' }, { name: 'ledger', sql: "SELECT count(*) FROM cnpg_gitops.applied_migrations WHERE id = '0001-create-users'", expect: '1' }]);
    const passed = run(ok.data, ok.pgOptions);
    expect(passed.status).toBe(0);
    expect(passed.stdout).toMatch(/verify: ok   01-rows\nverify: ok   02-ledger\nverify: all 2 assertions passed/);
    const bad = render([{ name: 'rows', sql: 'SELECT 41', expect: '42' }, { name: 'broken', sql: 'SELECT * FROM missing', expect: '1' }, { name: 'fine', sql: 'SELECT 1', expect: '1' }]);
    const failed = run(bad.data, bad.pgOptions);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/verify: FAIL 01-rows: expected "42", got "41"/);
    expect(failed.stdout).toMatch(/verify: FAIL 02-broken: .*relation "missing" does not exist/);
    expect(failed.stdout).toMatch(/verify: ok   03-fine/);
    expect(failed.stderr).toMatch(/2 of 3 assertions failed: do not switch the application to this cluster/);
  });

  test('the construct refuses what synthesis refuses: no assertion, or SQL that is not one read-only query', () => {
    expect(() => render([])).toThrow(/needs at least one assertion/);
    expect(() => render([{ name: 'shell', sql: '\\! id', expect: '' }])).toThrow(/the SQL of assertion "shell" holds a psql meta-command/);
    expect(() => render([{ name: 'wipe', sql: 'DELETE FROM users', expect: '0' }])).toThrow(/must be a read-only query/);
  });

  test('psql interprets nothing in an assertion that slipped through: no shell command runs, no password is printed, nothing is written', () => {
    const { data, pgOptions } = render([{ name: 'fine', sql: 'SELECT 1', expect: '1' }]);
    const marker = join(mkdtempSync(join(tmpdir(), 'verify-marker-')), 'shell-ran');
    const users = server.psql('SELECT count(*) FROM users', { database: 'app' });
    const hostile = {
      ...data,
      '02-shell.sql': `\\! touch ${marker}`, '02-shell.expected': '',
      '03-shell-after-sql.sql': `SELECT 1 \\! touch ${marker}`, '03-shell-after-sql.expected': '1',
      '04-getenv.sql': "\\getenv p PGPASSWORD\nSELECT :'p'", '04-getenv.expected': PASSWORD,
      '05-variable.sql': "SELECT :'PGPASSWORD'", '05-variable.expected': PASSWORD,
      '06-delete.sql': 'WITH gone AS (DELETE FROM users RETURNING 1) SELECT count(*) FROM gone', '06-delete.expected': users,
    };
    const result = run(hostile, pgOptions);
    expect(result.status).toBe(1);
    expect(existsSync(marker)).toBe(false);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    expect(result.stdout).toMatch(/verify: FAIL 02-shell: starts with a backslash, which psql -c would run as a meta-command/);
    expect(result.stdout).toMatch(/verify: FAIL 03-shell-after-sql: .*syntax error at or near "\\"/);
    expect(result.stdout).toMatch(/verify: FAIL 04-getenv: starts with a backslash/);
    expect(result.stdout).toMatch(/verify: FAIL 05-variable: .*syntax error at or near ":"/);
    expect(result.stdout).toMatch(/verify: FAIL 06-delete: .*cannot execute [A-Z]+ in a read-only transaction/);
    expect(result.stderr).toMatch(/5 of 6 assertions failed/);
    expect(server.psql('SELECT count(*) FROM users', { database: 'app' })).toBe(users);
  });

  test('the same files run as a psql script would have run the shell command and printed the password (why -c)', () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'verify-marker-')), 'shell-ran');
    const asScript = spawnSync('psql', ['-X', '-At', '-d', 'app'], { input: `\\! touch ${marker}\n\\getenv p PGPASSWORD\nSELECT :'p';\n`, encoding: 'utf8', env: { ...server.env, PGUSER: 'verifier', PGPASSWORD: PASSWORD } });
    expect(existsSync(marker)).toBe(true);
    expect(asScript.stdout).toContain(PASSWORD);
  });

  test('a directory without assertions fails instead of passing', () => {
    const { data, pgOptions } = render([{ name: 'fine', sql: 'SELECT 1', expect: '1' }]);
    const result = run({ 'verify.sh': data['verify.sh'] }, pgOptions);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/verify: no assertions in .*: nothing shows this cluster holds the data it should/);
  });
});
