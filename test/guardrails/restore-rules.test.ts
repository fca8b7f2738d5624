import { ApiObject, JsonPatch } from 'cdk8s';
import { RestoreConfig } from '../../src/config/types';
import { Violation } from '../../src/guardrails/engine';
import { renderEnvironments } from '../../src/synthesize';
import { estate, idsIn, violationsAfter, violationsOf, withEnvironment, withoutShippedWarnings } from '../helpers/fixtures';

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Barman's id of a backup started that many hours ago: YYYYMMDDTHHMMSS, UTC. */
const backupIdHoursAgo = (hours: number) => hoursAgo(hours).replace(/[-:Z]/g, '');

const USERS_ARE_BACK = { name: 'users are back', sql: 'SELECT count(*) > 0 FROM users', expect: 't' };

function restoring(target: RestoreConfig['target'], change: Partial<RestoreConfig> = {}) {
  return withEnvironment('production', (env) => {
    env.restores = [{ name: 'app-db-restored', target, verify: [USERS_ARE_BACK], ...change }] as any;
  });
}

/** The config errors of a restore, or [] when it renders. */
function restoreErrors(target: RestoreConfig['target'], change: Partial<RestoreConfig> = {}) {
  const outcome = renderEnvironments(estate(restoring(target, change)));
  return outcome.status === 'invalid-config' ? outcome.configErrors : [];
}

describe('verification checks', () => {
  const time = { time: hoursAgo(1) };
  test('Compliance: a restore before a migration may leave verify empty: the ledger check is its assertion', () => {
    const environments = restoring({ beforeMigration: '0005-drop-email', startedAt: hoursAgo(2) }, { verify: [] });
    const outcome = renderEnvironments(estate(environments));
    expect(outcome.status).toBe('rendered');
    const file = (outcome as any).files.find((candidate: any) => candidate.path.endsWith('verify/app-db-restored.yaml'));
    expect(file.content).toMatch(/01-migration-0005-drop-email-is-not-applied\.sql/);
  });
  test('Noncompliance (config): a restore to a time with no check', () => {
    expect(restoreErrors(time, { verify: [] })).toEqual([expect.objectContaining({ file: 'src/config/production.ts', field: 'restores[0].verify', message: expect.stringMatching(/^must list at least one check: a restore to a time, an LSN or a backup has no migration/) })]);
  });
  test.each([
    ['a psql shell escape', 'SELECT 1 \\! rm -rf /', /holds a psql meta-command/],
    ['a psql \\getenv', '\\getenv p PGPASSWORD\nSELECT 1', /holds a psql meta-command/],
    ['two statements', 'SELECT 1; SELECT 2', /must be exactly one query, got 2 statements/],
    ['no statement', '-- nothing', /must be exactly one query, got 0 statements/],
    ['a DELETE', 'DELETE FROM users', /must be a read-only query \(SELECT, VALUES, TABLE or WITH \.\.\. SELECT\), got DELETE/],
    ['a data-modifying WITH', 'WITH gone AS (DELETE FROM users RETURNING 1) SELECT count(*) FROM gone', /^must only read, but a WITH clause that runs DELETE changes data$/],
    ['a data-modifying WITH in a subquery', 'SELECT * FROM (WITH gone AS (DELETE FROM users RETURNING 1) SELECT count(*) FROM gone) AS x', /a WITH clause that runs DELETE changes data/],
    ['SELECT INTO', 'SELECT * INTO copy FROM users', /SELECT INTO creates a table/],
    ['FOR UPDATE', 'SELECT id FROM users FOR UPDATE', /FOR UPDATE or FOR SHARE locks rows/],
    ['transaction control', 'BEGIN', /controls the transaction \(BEGIN\)/],
    ['a syntax error', 'SELEC 1', /does not parse as SQL \(line 1, column 1: syntax error at or near "SELEC"\)/],
  ])('Noncompliance (config): %s in a check\'s SQL, at its field', (_case, sql, message) => {
    expect(restoreErrors(time, { verify: [USERS_ARE_BACK, { name: 'bad', sql, expect: '1' }] })).toEqual([
      expect.objectContaining({ file: 'src/config/production.ts', field: 'restores[0].verify[1].sql', message: expect.stringMatching(message) }),
    ]);
  });
  test.each(['SELECT 1', 'VALUES (1)', 'TABLE users', "WITH n AS (SELECT count(*) AS c FROM users) SELECT c > 0 FROM n", "SELECT '\\! not a command, a string'"])('Compliance: %s', (sql) => {
    expect(restoreErrors(time, { verify: [{ name: 'fine', sql, expect: '1' }] })).toEqual([]);
  });
  test('a refused check never echoes the password it holds', () => {
    const errors = restoreErrors(time, { verify: [{ name: 'bad', sql: "ALTER ROLE app PASSWORD 'Tr0ub4dor&3xyz'", expect: '1' }] });
    expect(errors).toEqual([expect.objectContaining({ field: 'restores[0].verify[0].sql', value: "ALTER ROLE app PASSWORD <redacted: a password in SQL, 14 characters>" })]);
    expect(JSON.stringify(errors)).not.toContain('Tr0ub4dor');
  });
  test('Noncompliance: a read-only check that holds a credential is SEC001\'s, at the restore', () => {
    const violations = violationsOf(restoring(time, { verify: [{ name: 'token', sql: "SELECT 'ghp_0123456789abcdefghijABCDEFGHIJ012345' <> ''", expect: 't' }] }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', configField: 'restores', message: expect.stringMatching(/^ConfigMap verify-app-db-restored-[0-9a-f]{8} data\["01-token\.sql"\] holds a GitHub token, 40 characters, "gh…45"$/) }));
  });
});

describe('calendar-invalid times are refused, never rolled over', () => {
  test.each([
    [{ time: '2026-02-30T10:00:00Z' }, 'restores[0].target.time', /February 2026 has 28 days/],
    [{ time: '2026-11-20T24:00:00Z' }, 'restores[0].target.time', /hour 24 does not exist/],
    [{ time: '2026-11-20T10:00:00' }, 'restores[0].target.time', /it has no zone/],
    [{ beforeMigration: '0005-drop-email', startedAt: '2026-04-31T10:00:00Z' }, 'restores[0].target.startedAt', /April 2026 has 30 days/],
  ])('Noncompliance (config): %j', (target, field, message) => {
    expect(restoreErrors(target as any)).toEqual([expect.objectContaining({ field, message: expect.stringMatching(message) })]);
  });
});

test('Compliance: a restore to before a migration the runner ran', () => {
  const violations = violationsOf(restoring({ beforeMigration: '0005-drop-email', startedAt: hoursAgo(2), backupId: backupIdHoursAgo(3) }));
  expect(idsIn(withoutShippedWarnings(violations))).toEqual([]);
});

describe('RST001: exactly one target', () => {
  function restoredCluster(charts: any[]): ApiObject {
    return charts.find((chart) => chart.directory.includes('cnpg-restores')).node.findAll().find((c: any) => c instanceof ApiObject && c.kind === 'Cluster');
  }
  test('Noncompliance: a second target added by an override', () => {
    const environments = restoring({ time: hoursAgo(1) });
    const violations = violationsAfter((charts) => restoredCluster(charts).addJsonPatch(JsonPatch.add('/spec/bootstrap/recovery/recoveryTarget/targetLsn', '0/3000060') /* imported classes patch their camelCase props */), environments);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'RST001', message: 'restore app-db-restored has 2 recovery targets (targetTime, targetLSN), needs exactly one' }));
  });
  test('Noncompliance: no target recovers to the end of the WAL', () => {
    const environments = restoring({ time: hoursAgo(1) });
    const violations = violationsAfter((charts) => restoredCluster(charts).addJsonPatch(JsonPatch.remove('/spec/bootstrap/recovery/recoveryTarget')), environments);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'RST001', message: expect.stringMatching(/0 recovery targets \(none: it would recover to the end of the WAL\)/) }));
  });
  test('Noncompliance: a named target without backupID', () => {
    const environments = restoring({ restorePoint: '0005-drop-email', backupId: backupIdHoursAgo(3) });
    const violations = violationsAfter((charts) => restoredCluster(charts).addJsonPatch(JsonPatch.remove('/spec/bootstrap/recovery/recoveryTarget/backupId')), environments);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'RST001', message: 'restore app-db-restored uses targetName, which CNPG only accepts with backupID' }));
  });
  test('Noncompliance: a backup name as backupID (the plugin finds no backup with that id)', () => {
    const environments = restoring({ restorePoint: '0005-drop-email', backupId: backupIdHoursAgo(3) });
    const violations = violationsAfter((charts) => restoredCluster(charts).addJsonPatch(JsonPatch.replace('/spec/bootstrap/recovery/recoveryTarget/backupId', 'backup-20261125095930')), environments);
    expect(violations).toContainEqual(expect.objectContaining({
      ruleId: 'RST001',
      value: 'backup-20261125095930',
      message: expect.stringMatching(/^backupID of restore app-db-restored must be barman's backup id YYYYMMDDTHHMMSS, as in Backup.status.backupId .*"backup-20261125095930" is barman's backup name \(Backup.status.backupName\), not its id/),
    }));
    expect(violations.filter((violation) => violation.ruleId === 'RST002')).toEqual([]);
  });
  test('Compliance: a restore point with its backup', () => {
    expect(idsIn(violationsOf(restoring({ restorePoint: '0005-drop-email', backupId: backupIdHoursAgo(3) })))).not.toContain('RST001');
  });
});

describe('RST002: reachable target', () => {
  test.each([
    ['a time in the future', { time: new Date(Date.now() + 3600_000).toISOString() }, /is in the future/],
    ['a time older than the 30-day retention', { time: hoursAgo(24 * 40) }, /older than the source's 30-day retention window/],
    ['a base backup older than the retention', { time: hoursAgo(1), backupId: backupIdHoursAgo(24 * 31) }, /base backup \d{8}T\d{6} is older than the source's 30-day retention window/],
    ['a base backup after the target', { time: hoursAgo(5), backupId: backupIdHoursAgo(1) }, /started after the target time/],
  ])('Noncompliance: %s', (_case, target, message) => {
    expect(violationsOf(restoring(target as any))).toContainEqual(expect.objectContaining({ ruleId: 'RST002', environment: 'production', configField: 'restores', message: expect.stringMatching(message) }));
  });
  test('Compliance: yesterday, pinned to the backup before it, which ended before it', () => {
    expect(idsIn(violationsOf(restoring({ time: hoursAgo(24), backupId: backupIdHoursAgo(30), backupStoppedAt: hoursAgo(29) })))).not.toContain('RST002');
  });
});

describe('RST002: a pinned base backup ended before the target', () => {
  const rst002 = (violations: readonly Violation[]) => violations.filter((violation) => violation.ruleId === 'RST002');
  const backupId = backupIdHoursAgo(6);
  /** The backup's end, as Backup.status.stoppedAt has it: in whole seconds. */
  const stoppedAt = hoursAgo(5);
  /** A time `seconds` after the backup's end, RFC 3339 UTC with its fraction. */
  const afterEnd = (seconds: number) => new Date(Date.parse(stoppedAt) + seconds * 1000).toISOString();

  test('Noncompliance: a time after the backup started but before it ended ("requested recovery stop point is before consistent recovery point")', () => {
    const target = afterEnd(-60);
    expect(rst002(violationsOf(restoring({ time: target, backupId, backupStoppedAt: stoppedAt })))).toEqual([expect.objectContaining({
      severity: 'error',
      configField: 'restores',
      value: target,
      message: `target.time ${target} of restore app-db-restored is before its base backup ${backupId} ended (target.backupStoppedAt ${stoppedAt}): PostgreSQL cannot stop recovery before the end of the base backup and fails with "requested recovery stop point is before consistent recovery point"; pin a backup that ended before the target, or drop backupId and backupStoppedAt so barman picks one`,
    })]);
  });
  test('Noncompliance: a time within the second the backup ended (status.stoppedAt is cut to the second)', () => {
    const target = afterEnd(0.5);
    expect(rst002(violationsOf(restoring({ time: target, backupId, backupStoppedAt: stoppedAt })))).toEqual([expect.objectContaining({
      value: target,
      message: `target.time ${target} of restore app-db-restored is within the second its base backup ${backupId} ended (target.backupStoppedAt ${stoppedAt}, which Backup.status cuts to the second), so the backup may have ended after it: target ${afterEnd(1).replace('.000Z', 'Z')} or later, or the backup's end itself with { immediate: true, backupId: '${backupId}' }`,
    })]);
  });
  test('Noncompliance: a new time restore pinned to a backup without its end', () => {
    const target = hoursAgo(1);
    expect(rst002(violationsOf(restoring({ time: target, backupId })))).toEqual([expect.objectContaining({
      value: backupId,
      message: `restore app-db-restored pins base backup ${backupId} (target.backupId) to target.time ${target} without the backup's end (target.backupStoppedAt): recovery cannot stop before the base backup ended, and its id only tells when it started; add backupStoppedAt, the Backup's status.stoppedAt (kubectl -n databases get backups.postgresql.cnpg.io -o jsonpath='{.items[?(@.status.backupId=="${backupId}")].status.stoppedAt}'), or drop backupId so barman picks the newest backup that ended before the target`,
    })]);
  });
  test('Noncompliance: a start before the migration\'s pinned backup ended, named by its field', () => {
    const startedAt = afterEnd(-1);
    expect(rst002(violationsOf(restoring({ beforeMigration: '0005-drop-email', startedAt, backupId, backupStoppedAt: stoppedAt })))).toEqual([expect.objectContaining({
      value: startedAt,
      message: expect.stringMatching(new RegExp(`^target\\.startedAt ${startedAt.replace(/\./g, '\\.')} of restore app-db-restored is before its base backup ${backupId} ended \\(target\\.backupStoppedAt ${stoppedAt}\\)`)),
    })]);
  });
  test('Noncompliance: an end before the backup started is another backup\'s', () => {
    const earlier = hoursAgo(7);
    expect(rst002(violationsOf(restoring({ time: hoursAgo(1), backupId, backupStoppedAt: earlier })))).toEqual([expect.objectContaining({
      value: earlier,
      message: `target.backupStoppedAt ${earlier} of restore app-db-restored is before base backup ${backupId} started (its id): it is the end of another backup; copy the stoppedAt of the Backup whose status.backupId is ${backupId}`,
    })]);
  });
  test('Compliance: a time one second after the end, or at an end known to the microsecond; an end given with an offset', () => {
    expect(rst002(violationsOf(restoring({ time: afterEnd(1), backupId, backupStoppedAt: stoppedAt })))).toEqual([]);
    expect(rst002(violationsOf(restoring({ time: afterEnd(0.5), backupId, backupStoppedAt: afterEnd(0.25) })))).toEqual([]);
    const offset = new Date(Date.parse(stoppedAt) + 2 * 3600_000).toISOString().replace('.000Z', '+02:00');
    expect(rst002(violationsOf(restoring({ time: afterEnd(1), backupId, backupStoppedAt: offset })))).toEqual([]);
  });
  test('Compliance: a migration\'s start within the second its backup ended (the checkpoint came after the gate saw the backup completed), and one pinned without the end', () => {
    expect(rst002(violationsOf(restoring({ beforeMigration: '0005-drop-email', startedAt: afterEnd(0.5), backupId, backupStoppedAt: stoppedAt })))).toEqual([]);
    expect(rst002(violationsOf(restoring({ beforeMigration: '0005-drop-email', startedAt: hoursAgo(2), backupId })))).toEqual([]);
  });
  test('Compliance: a pinned time restore without the end that Flux has created already (CNPG recovers only when it creates the cluster)', () => {
    const created = renderEnvironments(estate(restoring({ time: hoursAgo(1), backupId, backupStoppedAt: stoppedAt })));
    expect(created.status).toBe('rendered');
    const files = new Map((created as any).files.map((file: { path: string; content: string }) => [file.path, file.content]));
    const outcome = renderEnvironments({ ...estate(restoring({ time: hoursAgo(1), backupId })), deployedFile: (path) => files.get(path) as string | undefined });
    expect(rst002(outcome.report.violations)).toEqual([]);
  });
});

describe('RST003: a commit after a time target', () => {
  test('Noncompliance: an arbitrary time is a warning', () => {
    expect(violationsOf(restoring({ time: hoursAgo(1) }))).toContainEqual(expect.objectContaining({ ruleId: 'RST003', severity: 'warning', message: expect.stringMatching(/not tied to a migration/) }));
  });
  test('Noncompliance: a migration run by its own image does not switch the WAL', () => {
    const environments = restoring({ beforeMigration: '0005-drop-email', startedAt: hoursAgo(2) });
    const violations = violationsAfter((charts) => {
      const job = charts.find((chart) => chart.environment.name === 'production' && chart.directory.includes('cnpg-migrations'))!
        .node.findAll().find((c) => c instanceof ApiObject && c.kind === 'Job' && c.name.startsWith('migrate-0005')) as ApiObject;
      job.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/command', ['migrator', 'up']));
    }, environments);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'RST003', message: expect.stringMatching(/0005-drop-email did not run through the runner/) }));
  });
  test('Compliance: before a migration the runner ran; a restore point', () => {
    expect(idsIn(violationsOf(restoring({ beforeMigration: '0005-drop-email', startedAt: hoursAgo(2) })))).not.toContain('RST003');
    expect(idsIn(violationsOf(restoring({ restorePoint: '0005-drop-email', backupId: backupIdHoursAgo(3) })))).not.toContain('RST003');
  });
});

test('the cluster-level rules hold for restored clusters too (name length)', () => {
  expect(violationsOf(restoring({ restorePoint: '0005-drop-email', backupId: backupIdHoursAgo(3) }, { name: `r${'e'.repeat(50)}` })))
    .toContainEqual(expect.objectContaining({ ruleId: 'CLU001', path: expect.stringMatching(/^production-restores\//) }));
});
