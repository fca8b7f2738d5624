import { ApiObject, JsonPatch } from 'cdk8s';
import { RestoreConfig } from '../../src/config/types';
import { idsIn, violationsAfter, violationsOf, withEnvironment, withoutShippedWarnings } from '../helpers/fixtures';

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Barman's id of a backup started that many hours ago: YYYYMMDDTHHMMSS, UTC. */
const backupIdHoursAgo = (hours: number) => hoursAgo(hours).replace(/[-:Z]/g, '');

function restoring(target: RestoreConfig['target'], change: Partial<RestoreConfig> = {}) {
  return withEnvironment('production', (env) => {
    env.restores = [{ name: 'app-db-restored', target, verify: [], ...change }] as any;
  });
}

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
  test('Compliance: yesterday, pinned to the backup before it', () => {
    expect(idsIn(violationsOf(restoring({ time: hoursAgo(24), backupId: backupIdHoursAgo(30) })))).not.toContain('RST002');
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
