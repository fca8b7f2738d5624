import { ClusterSpecBootstrapRecoveryRecoveryTarget } from '../../imports/cnpg-postgresql.cnpg.io';

/** RFC 3339 with an explicit zone (`Z` or `±hh:mm`), optionally with fractional seconds. */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
/** A write-ahead log location, e.g. `0/3000060`. */
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;
/** Base backup ids of the Barman Cloud plugin: `backup-YYYYMMDDhhmmss` (UTC). */
const BACKUP_ID = /^backup-(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** The prefix of the restore point a migration's checkpoint creates. */
export function restorePointOf(migrationId: string): string {
  return `before-${migrationId}`;
}

/** Start time of a plugin base backup, read from its id, or `undefined` for another format. */
export function backupIdTime(backupId: string): Date | undefined {
  const match = BACKUP_ID.exec(backupId);
  return match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6])) : undefined;
}

function requireZonedTime(time: string, what: string): Date {
  if (!ZONED_TIME.test(time) || Number.isNaN(Date.parse(time))) {
    throw new Error(`${what} must be an RFC 3339 time with an explicit zone, e.g. "2026-11-25T10:00:05Z" (got "${time}"); CNPG reads a time without zone as UTC, which is rarely what was meant`);
  }
  return new Date(time);
}

function requireBackupId(backupId: string | undefined): void {
  if (backupId !== undefined && !BACKUP_ID.test(backupId)) {
    throw new Error(`backupId must be a Barman Cloud plugin backup id "backup-YYYYMMDDhhmmss", as in Backup.status.backupId (got "${backupId}")`);
  }
}

/** RFC 3339 in whole seconds, UTC, with an explicit `Z`: what this project always emits. */
function utcSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Where a point-in-time recovery stops: exactly one of a time, a named restore point, an LSN,
 * or the end of a base backup, optionally pinned to a base backup. Times are always emitted as
 * RFC 3339 UTC with an explicit `Z`.
 * @see https://cloudnative-pg.io/documentation/1.30/recovery/#point-in-time-recovery-pitr
 */
export class RecoveryTarget {
  /**
   * The second before a migration started: its recorded start time (from the database clock)
   * minus one second. Every commit before that second is kept, nothing of the migration is.
   * Pinned to the migration's pre-migration base backup when its id is known.
   */
  public static beforeMigration(options: { readonly migrationId: string; readonly startedAt: string; readonly backupId?: string }): RecoveryTarget {
    const started = requireZonedTime(options.startedAt, 'the migration start time');
    requireBackupId(options.backupId);
    const time = utcSeconds(new Date(Math.floor(started.getTime() / 1000) * 1000 - 1000));
    return new RecoveryTarget({ targetTime: time, backupId: options.backupId }, options.migrationId);
  }

  /**
   * The restore point `before-<migration>` the migration's checkpoint created just before its
   * SQL ran. CNPG accepts a named target only together with the base backup to start from.
   */
  public static restorePoint(options: { readonly migrationId: string; readonly backupId: string }): RecoveryTarget {
    requireBackupId(options.backupId);
    return new RecoveryTarget({ targetName: restorePointOf(options.migrationId), backupId: options.backupId }, options.migrationId);
  }

  /** An explicit time, RFC 3339 with a zone (normalized to UTC). */
  public static time(time: string, backupId?: string): RecoveryTarget {
    requireBackupId(backupId);
    const date = requireZonedTime(time, 'the recovery time');
    return new RecoveryTarget({ targetTime: utcSeconds(date), backupId });
  }

  /** A write-ahead log location. */
  public static lsn(lsn: string, backupId?: string): RecoveryTarget {
    if (!LSN.test(lsn)) throw new Error(`the recovery LSN must look like "0/3000060" (got "${lsn}")`);
    requireBackupId(backupId);
    return new RecoveryTarget({ targetLsn: lsn.toUpperCase(), backupId });
  }

  /** The end of a base backup (the earliest consistent point), which CNPG pins with its id. */
  public static immediate(backupId: string): RecoveryTarget {
    requireBackupId(backupId);
    return new RecoveryTarget({ targetImmediate: true, backupId });
  }

  private constructor(
    private readonly target: ClusterSpecBootstrapRecoveryRecoveryTarget,
    /** The migration this target rolls back, when it is tied to one. */
    public readonly migrationId?: string,
  ) {}

  /** @internal `bootstrap.recovery.recoveryTarget` of the Cluster. */
  public _toCnpg(): ClusterSpecBootstrapRecoveryRecoveryTarget {
    return { ...this.target };
  }

  /**
   * The PostgreSQL settings CNPG derives from this target (BuildPostgresOptions in
   * api/v1/cluster_funcs.go): the time in PostgreSQL's format, inclusive unless `exclusive`,
   * and promotion at the end. The base backup choice (`backupID`) is not a PostgreSQL setting.
   */
  public toPostgresParameters(): Record<string, string> {
    const parameters: Record<string, string> = {};
    if (this.target.targetTime) {
      parameters.recovery_target_time = `${this.target.targetTime.replace('T', ' ').replace('Z', '')}.000000+00:00`;
    }
    if (this.target.targetName) parameters.recovery_target_name = this.target.targetName;
    if (this.target.targetLsn) parameters.recovery_target_lsn = this.target.targetLsn;
    if (this.target.targetImmediate) parameters.recovery_target = 'immediate';
    parameters.recovery_target_inclusive = 'true';
    parameters.recovery_target_action = 'promote';
    return parameters;
  }
}
