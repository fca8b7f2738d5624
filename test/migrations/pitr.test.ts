import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuardedMigrationJob } from '../../src/constructs/guarded-migration-job';
import { buildApp } from '../../src/synthesize';
import { RecoveryTarget } from '../../src/values/recovery-target';
import { estate } from '../helpers/fixtures';
import { MigrationJobRunner } from '../helpers/migration-job';
import { startPostgres, TestServer } from '../helpers/postgres';

/**
 * Point-in-time recovery for real, on PostgreSQL 18: WAL archived by archive_command into a
 * directory (the stand-in for the object store), a base backup taken with pg_backup_start and
 * pg_backup_stop, the 0005 contract migration run by the rendered Job's ledger check and runner,
 * then recovery of copies of the base backup with the recovery_target_* settings CNPG derives
 * from the RecoveryTarget the construct renders (the restore_command is what barman-cloud-wal-
 * restore does for CNPG: fetch an archived segment).
 */
jest.setTimeout(120_000);

let source: TestServer;
let work: string;
let archive: string;
let baseBackup: string;
let jobs: GuardedMigrationJob[];
let runner: MigrationJobRunner;
let startedAt: string;
const before: string[] = [];
const after: string[] = [];

const asApp = { user: 'app', password: 'app', database: 'app' };

function insertRows(list: string[], count: number, column: 'email' | 'email_normalized'): void {
  for (let index = 0; index < count; index += 1) {
    const email = `${list === before ? 'before' : 'after'}-${list.length}@example.org`;
    source.psql(`INSERT INTO users (${column}) VALUES ('${email}')`, asApp);
    list.push(email);
  }
}

/** Switches to a new WAL segment and waits until the finished one is in the archive. */
function archiveCurrentWal(): void {
  const segment = source.psql('SELECT pg_walfile_name(pg_switch_wal())');
  const deadline = Date.now() + 30_000;
  while (!existsSync(join(archive, segment))) {
    if (Date.now() > deadline) throw new Error(`WAL segment ${segment} was not archived`);
    spawnSync('sleep', ['0.2']);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pitr-'));
  chmodSync(work, 0o777);
  archive = join(work, 'archive');
  mkdirSync(archive, { mode: 0o777 });
  chmodSync(archive, 0o777);
  ({ jobs } = (() => {
    const { charts } = buildApp(estate());
    return { jobs: charts.flatMap((chart) => chart.node.findAll()).filter((c): c is GuardedMigrationJob => c instanceof GuardedMigrationJob && c.node.path.startsWith('production-')) };
  })());
  source = await startPostgres({ wal_level: 'replica', archive_mode: 'on', archive_command: `cp %p ${archive}/%f` });
  runner = new MigrationJobRunner(source, 'migrator-secret');
  runner.createDatabase(jobs[0].cluster);
  const job = (id: string) => jobs.find((candidate) => candidate.migration.id === id)!;
  for (const id of ['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized']) {
    const result = runner.run(job(id));
    if (result.migrate?.status !== 0) throw new Error(`${id}: ${result.ledger.stderr}${result.migrate?.stderr}`);
  }
  insertRows(before, 3, 'email');

  // The base backup: the low-level API, copying the data directory between start and stop.
  const data = source.psql('SHOW data_directory');
  baseBackup = join(work, 'base');
  const label = join(work, 'backup_label');
  const session = spawnSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-d', 'postgres'], {
    encoding: 'utf8',
    env: { ...source.env, PGUSER: 'postgres', PGPASSWORD: 'postgres' },
    input: [`SELECT pg_backup_start('base', true);`, `\\! cp -a ${data} ${baseBackup}`, `\\o ${label}`, 'SELECT labelfile FROM pg_backup_stop(true);', '\\o'].join('\n'),
  });
  if (session.status !== 0) throw new Error(session.stderr);
  writeFileSync(join(baseBackup, 'backup_label'), readFileSync(label, 'utf8'));
  // The copy belongs to the server's user; the label written here must too.
  spawnSync('chown', ['--reference', baseBackup, join(baseBackup, 'backup_label')]);

  // Rows after the base backup but before the migration come back from the archived WAL only.
  insertRows(before, 2, 'email');
  await sleep(2100);
  const contract = runner.run(job('0005-drop-email'));
  if (contract.migrate?.status !== 0) throw new Error(`${contract.ledger.stderr}${contract.migrate?.stderr}`);
  startedAt = JSON.parse(contract.termination).startedAt;
  insertRows(after, 2, 'email_normalized');
  archiveCurrentWal();
});

afterAll(async () => {
  await source?.stop();
});

/** Recovers a copy of the base backup with the settings CNPG derives from `target`. */
async function recover(target: RecoveryTarget, name: string): Promise<TestServer> {
  const copy = join(work, `restore-${name}`);
  spawnSync('cp', ['-a', baseBackup, copy]);
  rmSync(join(copy, 'postmaster.pid'), { force: true });
  for (const segment of require('node:fs').readdirSync(join(copy, 'pg_wal'))) {
    if (/^[0-9A-F]{24}$/.test(segment)) rmSync(join(copy, 'pg_wal', segment));
  }
  writeFileSync(join(copy, 'recovery.signal'), '');
  spawnSync('chown', ['--reference', baseBackup, join(copy, 'recovery.signal')]);
  const server = await startPostgres({
    ...target.toPostgresParameters(),
    restore_command: `cp ${archive}/%f %p`,
    archive_mode: 'off',
  }, copy);
  const deadline = Date.now() + 60_000;
  while (server.psql('SELECT pg_is_in_recovery()') !== 'f') {
    if (Date.now() > deadline) throw new Error('recovery did not finish');
    await sleep(200);
  }
  return server;
}

function expectStateBeforeMigration(server: TestServer): void {
  expect(server.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'", { database: 'app' })).toBe('1');
  expect(server.psql("SELECT count(*) FROM cnpg_gitops.applied_migrations WHERE id = '0005-drop-email'", { database: 'app' })).toBe('0');
  expect(server.psql("SELECT count(*) FROM cnpg_gitops.applied_migrations WHERE id = '0004-index-email-normalized'", { database: 'app' })).toBe('1');
  expect(server.psql('SELECT email FROM users ORDER BY id', { database: 'app' }).split('\n')).toEqual(before);
  expect(server.psql("SELECT count(*) FROM users WHERE email_normalized LIKE 'after-%'", { database: 'app' })).toBe('0');
}

test('the source really moved on: the migration ran and later rows exist', () => {
  expect(source.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'", { database: 'app' })).toBe('0');
  expect(source.psql('SELECT count(*) FROM users', { database: 'app' })).toBe(String(before.length + after.length));
});

test('time target: the second before the migration started brings back every earlier row and nothing of the migration or after', async () => {
  const target = RecoveryTarget.beforeMigration({ migrationId: '0005-drop-email', startedAt });
  expect(target._toCnpg().targetTime).toBe(new Date(Date.parse(startedAt) - 1000).toISOString().replace('.000Z', 'Z'));
  const restored = await recover(target, 'time');
  try {
    expectStateBeforeMigration(restored);
  } finally {
    await restored.stop();
  }
});

test('restore-point target: recovery stops at before-0005-drop-email', async () => {
  const target = RecoveryTarget.restorePoint({ migrationId: '0005-drop-email', backupId: '20261123T100000' });
  expect(target.toPostgresParameters().recovery_target_name).toBe('before-0005-drop-email');
  const restored = await recover(target, 'restore-point');
  try {
    expectStateBeforeMigration(restored);
  } finally {
    await restored.stop();
  }
});
