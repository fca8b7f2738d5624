import { backupIdProblem, backupIdTime, RecoveryTarget } from '../../src/values/recovery-target';

describe('RecoveryTarget', () => {
  test('beforeMigration: the recorded start itself, to the microsecond, UTC with Z, pinned when the backup is known', () => {
    const target = RecoveryTarget.beforeMigration({ migrationId: '0005-drop-email', startedAt: '2026-11-25T10:00:05.123456Z', backupId: '20261125T095930' });
    expect(target._toCnpg()).toEqual({ targetTime: '2026-11-25T10:00:05.123456Z', backupId: '20261125T095930' });
    expect(target.migrationId).toBe('0005-drop-email');
  });

  test('beforeMigration: a start in whole seconds (cut down, never later than the real start) is the target as it is', () => {
    expect(RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T10:00:05Z' })._toCnpg()).toEqual({ targetTime: '2026-11-25T10:00:05Z' });
  });

  test('beforeMigration: a start with an offset is normalized to UTC, its fraction kept to microseconds (not rounded to milliseconds)', () => {
    expect(RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T12:00:05.9999995+02:00' })._toCnpg()).toEqual({ targetTime: '2026-11-25T10:00:05.999999Z' });
    expect(RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T00:00:05.5-05:30' })._toCnpg()).toEqual({ targetTime: '2026-11-25T05:30:05.5Z' });
  });

  test('restorePoint: before-<migration> with its base backup', () => {
    expect(RecoveryTarget.restorePoint({ migrationId: '0005-drop-email', backupId: '20261125T095930' })._toCnpg())
      .toEqual({ targetName: 'before-0005-drop-email', backupId: '20261125T095930' });
  });

  test('time, lsn and immediate', () => {
    expect(RecoveryTarget.time('2026-11-25T10:00:04-05:00')._toCnpg()).toEqual({ targetTime: '2026-11-25T15:00:04Z' });
    expect(RecoveryTarget.lsn('0/3000060')._toCnpg()).toEqual({ targetLsn: '0/3000060' });
    expect(RecoveryTarget.immediate('20261125T095930')._toCnpg()).toEqual({ targetImmediate: true, backupId: '20261125T095930' });
  });

  test('time and beforeMigration keep the end of their pinned base backup, UTC with Z, for RST002; it is no CNPG setting', () => {
    const time = RecoveryTarget.time('2026-11-25T10:00:04Z', '20261125T095930', '2026-11-25T12:00:02+02:00');
    expect(time.backupStoppedAt).toBe('2026-11-25T10:00:02Z');
    expect(time._toCnpg()).toEqual({ targetTime: '2026-11-25T10:00:04Z', backupId: '20261125T095930' });
    expect(RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T10:00:05.1Z', backupId: '20261125T095930', backupStoppedAt: '2026-11-25T10:00:02Z' }).backupStoppedAt).toBe('2026-11-25T10:00:02Z');
  });

  test('the PostgreSQL settings CNPG derives', () => {
    expect(RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T10:00:05.012Z' }).toPostgresParameters()).toEqual({
      recovery_target_time: '2026-11-25 10:00:05.012000+00:00',
      recovery_target_inclusive: 'true',
      recovery_target_action: 'promote',
    });
    expect(RecoveryTarget.time('2026-11-25T10:00:05Z').toPostgresParameters()).toMatchObject({ recovery_target_time: '2026-11-25 10:00:05.000000+00:00' });
    expect(RecoveryTarget.restorePoint({ migrationId: 'x', backupId: '20261125T095930' }).toPostgresParameters()).toMatchObject({ recovery_target_name: 'before-x' });
    expect(RecoveryTarget.lsn('0/3000060').toPostgresParameters()).toMatchObject({ recovery_target_lsn: '0/3000060' });
    expect(RecoveryTarget.immediate('20261125T095930').toPostgresParameters()).toMatchObject({ recovery_target: 'immediate' });
  });

  describe('fails when', () => {
    test.each([
      [() => RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25 10:00:05' }), /explicit zone/],
      [() => RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T10:00:05' }), /explicit zone/],
      [() => RecoveryTarget.time('yesterday'), /RFC 3339 time with an explicit zone/],
      [() => RecoveryTarget.time('2026-13-45T10:00:00Z'), /RFC 3339/],
      [() => RecoveryTarget.lsn('3000060'), /look like "0\/3000060"/],
      [() => RecoveryTarget.time('2026-11-25T10:00:04Z', undefined, '2026-11-25T10:00:02Z'), /^backupStoppedAt \("2026-11-25T10:00:02Z"\) is the end of the pinned base backup, but no backupId pins one/],
      [() => RecoveryTarget.time('2026-11-25T10:00:04Z', '20261125T095930', '2026-11-25 10:00:02'), /^backupStoppedAt \(the end of the base backup, its Backup's status\.stoppedAt\) must be an RFC 3339 time with an explicit zone/],
    ])('%#', (build, message) => {
      expect(build).toThrow(message);
    });
  });
});

describe("backupId is barman's id (Backup.status.backupId), never a name", () => {
  test('its time is the backup start in UTC', () => {
    expect(backupIdTime('20261125T095930')?.toISOString()).toBe('2026-11-25T09:59:30.000Z');
    expect(backupIdTime('20240229T235959')?.toISOString()).toBe('2024-02-29T23:59:59.000Z');
  });

  test.each(['backup-20261125095930', 'app-db-20261125', '20261125095930', '20261125T0959', '20261125t095930', ' 20261125T095930', '20230229T000000', '20261301T000000', '20261125T240000', '20261125T095960'])('%s is no id', (value) => {
    expect(backupIdTime(value)).toBeUndefined();
    expect(backupIdProblem(value)).toMatch(/^must be barman's backup id YYYYMMDDTHHMMSS, as in Backup.status.backupId \(e.g. "20261125T095930"\): /);
  });

  test('a backup name is told where the id of the same backup is', () => {
    expect(() => RecoveryTarget.restorePoint({ migrationId: '0005-drop-email', backupId: 'backup-20261125095930' })).toThrow(
      'backupId must be barman\'s backup id YYYYMMDDTHHMMSS, as in Backup.status.backupId (e.g. "20261125T095930"): "backup-20261125095930" is barman\'s backup name (Backup.status.backupName), not its id; '
      + 'list both with kubectl -n <namespace> get backups.postgresql.cnpg.io -o custom-columns=BACKUP:.metadata.name,NAME:.status.backupName,ID:.status.backupId',
    );
  });

  test('a Backup object name is told the kubectl command that reads its id, and the checkpoint record and ledger row', () => {
    const problem = backupIdProblem('pre-migration-0005-drop-email-943fce8b');
    expect(problem).toContain("kubectl -n <namespace> get backups.postgresql.cnpg.io pre-migration-0005-drop-email-943fce8b -o jsonpath='{.status.backupId}'");
    expect(problem).toContain('checkpoint record ("backupId")');
    expect(problem).toContain("SELECT backup_id FROM cnpg_gitops.applied_migrations WHERE id = '<migration>'");
    expect(backupIdProblem('a b; rm -rf /')).toContain('get backups.postgresql.cnpg.io <backup> -o');
  });

  test('a restore point is told which field takes it and where the id of its backup is', () => {
    expect(() => RecoveryTarget.immediate('before-0005-drop-email')).toThrow(
      '"before-0005-drop-email" is a restore point: give the migration ("0005-drop-email") to restorePoint and its pre-migration backup\'s id to backupId, '
      + 'from the migration Job\'s checkpoint record ("backupId") or its ledger row (SELECT backup_id FROM cnpg_gitops.applied_migrations WHERE id = \'0005-drop-email\')',
    );
  });

  test('an id-shaped value that is no date says so', () => {
    expect(backupIdProblem('20261345T250000')).toMatch(/"20261345T250000" is not a real date and time$/);
  });

  test.each([
    () => RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T10:00:05Z', backupId: 'backup-20261125095930' }),
    () => RecoveryTarget.time('2026-11-25T10:00:05Z', 'backup-20261125095930'),
    () => RecoveryTarget.lsn('0/3000060', 'backup-20261125095930'),
    () => RecoveryTarget.immediate('backup-20261125095930'),
  ])('every target form refuses a name (%#)', (build) => {
    expect(build).toThrow(/^backupId must be barman's backup id/);
  });
});
