import { spawn, spawnSync } from 'node:child_process';
import { GuardedMigrationJob } from '../../src/constructs/guarded-migration-job';
import { MIGRATION_LOCK_KEY } from '../../src/migrations/scripts';
import { buildApp, renderEnvironments } from '../../src/synthesize';
import { estate, REPO_ROOT } from '../helpers/fixtures';
import { MigrationJobRunner } from '../helpers/migration-job';
import { startPostgres, TestServer } from '../helpers/postgres';

/**
 * The "Reverse script" section of the generated develop runbooks, run as written by bash from
 * the repository root against a real PostgreSQL 18 that the rendered Jobs migrated. There is no
 * cluster here, so `kubectl` is a shell function standing in for `kubectl cnpg psql` alone: it
 * checks the plugin's arguments and runs psql as the plugin does in the primary's pod (as the
 * superuser `postgres`), with the arguments after `--` and the runbook's stdin.
 */
const KUBECTL_CNPG_PSQL = `kubectl() {
  [ "$1 $2 $4" = "cnpg psql -n" ] && [ "$6 $7" = "--tty=false --" ] || { echo "not kubectl cnpg psql: $*" >&2; return 97; }
  shift 7
  psql -X -U postgres "$@"
}`;

let server: TestServer;
let runbooks: Map<string, string>;

beforeAll(async () => {
  const outcome = renderEnvironments(estate());
  if (outcome.status !== 'rendered') throw new Error(`synthesis failed: ${outcome.status}`);
  runbooks = new Map(outcome.runbooks.filter((file) => file.path.startsWith('develop/')).map((file) => [file.path.slice('develop/'.length, -'.md'.length), file.content]));
  const jobs = buildApp(estate()).charts.flatMap((chart) => chart.node.findAll())
    .filter((c): c is GuardedMigrationJob => c instanceof GuardedMigrationJob && c.node.path.startsWith('develop-'));
  server = await startPostgres();
  const runner = new MigrationJobRunner(server, 'migrator-secret');
  runner.createDatabase(jobs[0].cluster);
  for (const id of ['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized']) {
    const run = runner.run(jobs.find((job) => job.migration.id === id)!);
    if (run.migrate?.status !== 0) throw new Error(`${id}: ${run.ledger.stderr}${run.migrate?.stderr}`);
  }
}, 120_000);
afterAll(() => server?.stop());

/** The command of a runbook's "Reverse script" section, or undefined when it has none. */
function reverseScript(id: string): string | undefined {
  const section = /\n## Reverse script\n[\s\S]*?```sh\n([\s\S]*?)\n```/.exec(runbooks.get(id)!);
  return section?.[1];
}

function runFromRunbook(id: string) {
  return spawnSync('bash', ['--norc', '-c', `${KUBECTL_CNPG_PSQL}\n${reverseScript(id)}`], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...server.env, PGPASSWORD: 'postgres' } });
}

const sql = (query: string) => server.psql(query, { database: 'app' });
const ledgerIds = () => sql('SELECT string_agg(id, \',\' ORDER BY id) FROM cnpg_gitops.applied_migrations');

test('only a down-sql plan has the section; one transaction unless the script cannot run in one', () => {
  expect(reverseScript('0003-backfill-email-normalized')).toBeUndefined();
  expect(reverseScript('0005-drop-email')).toBeUndefined();
  expect(reverseScript('0002-add-email-normalized')).toContain('--single-transaction');
  expect(reverseScript('0004-index-email-normalized')).not.toContain('--single-transaction');
  expect(runbooks.get('0002-add-email-normalized')).toContain('First roll back the migrations applied after it, newest first: `0005-drop-email`, `0004-index-email-normalized`, `0003-backfill-email-normalized`.');
});

test('while a migration holds the lock, the script waits no longer than the Job\'s lock_timeout and changes nothing', async () => {
  const holder = spawn('psql', ['-X', '-d', 'app', '-c', `SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`, '-c', 'SELECT pg_sleep(60)'], { env: { ...server.env, PGUSER: 'postgres', PGPASSWORD: 'postgres' }, stdio: 'ignore' });
  try {
    for (let waited = 0; sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") === '0'; waited += 1) {
      if (waited > 100) throw new Error('the lock holder never took the lock');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const result = runFromRunbook('0004-index-email-normalized');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('canceling statement due to lock timeout');
    expect(sql("SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_normalized_key'")).toBe('1');
    expect(ledgerIds()).toBe('0001-create-users,0002-add-email-normalized,0003-backfill-email-normalized,0004-index-email-normalized');
  } finally {
    // Its server process would sleep on, holding the lock, after psql was killed.
    sql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted");
    holder.kill();
    for (let waited = 0; waited < 100 && sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") !== '0'; waited += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

test('a script that cannot run in a transaction (DROP INDEX CONCURRENTLY) runs, then takes the migration out of the ledger', () => {
  const result = runFromRunbook('0004-index-email-normalized');
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  expect(sql("SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_normalized_key'")).toBe('0');
  expect(ledgerIds()).toBe('0001-create-users,0002-add-email-normalized,0003-backfill-email-normalized');
});

test('a transactional script that fails changes nothing, the ledger included; run again once the cause is gone, it does both', () => {
  sql('CREATE VIEW normalized_emails AS SELECT email_normalized FROM users');
  const failed = runFromRunbook('0002-add-email-normalized');
  expect(failed.status).not.toBe(0);
  expect(failed.stderr).toContain('other objects depend on it');
  // Its first statements (the trigger, the function) were undone with the failed one.
  expect(sql("SELECT count(*) FROM pg_trigger WHERE tgname = 'users_sync_email_normalized'")).toBe('1');
  expect(ledgerIds()).toBe('0001-create-users,0002-add-email-normalized,0003-backfill-email-normalized');

  sql('DROP VIEW normalized_emails');
  const result = runFromRunbook('0002-add-email-normalized');
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  expect(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email_normalized'")).toBe('0');
  expect(ledgerIds()).toBe('0001-create-users,0003-backfill-email-normalized');
});
