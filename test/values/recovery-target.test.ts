import { backupIdTime, RecoveryTarget } from '../../src/values/recovery-target';

describe('RecoveryTarget', () => {
  test('beforeMigration: the recorded start minus one second, UTC with Z, pinned when the backup is known', () => {
    const target = RecoveryTarget.beforeMigration({ migrationId: '0005-drop-email', startedAt: '2026-11-25T10:00:05Z', backupId: 'backup-20261125095930' });
    expect(target._toCnpg()).toEqual({ targetTime: '2026-11-25T10:00:04Z', backupId: 'backup-20261125095930' });
    expect(target.migrationId).toBe('0005-drop-email');
  });

  test('beforeMigration: a start with an offset and fractions is normalized to whole UTC seconds', () => {
    expect(RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T12:00:05.900+02:00' })._toCnpg()).toEqual({ targetTime: '2026-11-25T10:00:04Z' });
  });

  test('restorePoint: before-<migration> with its base backup', () => {
    expect(RecoveryTarget.restorePoint({ migrationId: '0005-drop-email', backupId: 'backup-20261125095930' })._toCnpg())
      .toEqual({ targetName: 'before-0005-drop-email', backupId: 'backup-20261125095930' });
  });

  test('time, lsn and immediate', () => {
    expect(RecoveryTarget.time('2026-11-25T10:00:04-05:00')._toCnpg()).toEqual({ targetTime: '2026-11-25T15:00:04Z' });
    expect(RecoveryTarget.lsn('0/3000060')._toCnpg()).toEqual({ targetLsn: '0/3000060' });
    expect(RecoveryTarget.immediate('backup-20261125095930')._toCnpg()).toEqual({ targetImmediate: true, backupId: 'backup-20261125095930' });
  });

  test('the PostgreSQL settings CNPG derives', () => {
    expect(RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T10:00:05Z' }).toPostgresParameters()).toEqual({
      recovery_target_time: '2026-11-25 10:00:04.000000+00:00',
      recovery_target_inclusive: 'true',
      recovery_target_action: 'promote',
    });
    expect(RecoveryTarget.restorePoint({ migrationId: 'x', backupId: 'backup-20261125095930' }).toPostgresParameters()).toMatchObject({ recovery_target_name: 'before-x' });
    expect(RecoveryTarget.lsn('0/3000060').toPostgresParameters()).toMatchObject({ recovery_target_lsn: '0/3000060' });
    expect(RecoveryTarget.immediate('backup-20261125095930').toPostgresParameters()).toMatchObject({ recovery_target: 'immediate' });
  });

  describe('fails when', () => {
    test.each([
      [() => RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25 10:00:05' }), /explicit zone/],
      [() => RecoveryTarget.beforeMigration({ migrationId: 'x', startedAt: '2026-11-25T10:00:05' }), /explicit zone/],
      [() => RecoveryTarget.time('yesterday'), /RFC 3339 time with an explicit zone/],
      [() => RecoveryTarget.time('2026-13-45T10:00:00Z'), /RFC 3339/],
      [() => RecoveryTarget.restorePoint({ migrationId: 'x', backupId: 'pre-migration-x' }), /backup-YYYYMMDDhhmmss/],
      [() => RecoveryTarget.lsn('3000060'), /look like "0\/3000060"/],
    ])('%#', (build, message) => {
      expect(build).toThrow(message);
    });
  });
});

test('backupIdTime reads the start of a plugin backup', () => {
  expect(backupIdTime('backup-20261125095930')?.toISOString()).toBe('2026-11-25T09:59:30.000Z');
  expect(backupIdTime('app-db-20261125')).toBeUndefined();
});
