import { ClusterSpecBootstrapRecoveryRecoveryTarget } from '../../imports/cnpg-postgresql.cnpg.io';
import { zonedTime, zonedTimeProblem } from './calendar-time';

/** A write-ahead log location, e.g. `0/3000060`. */
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;
/**
 * Barman's backup id, `YYYYMMDDTHHMMSS`: the backup's start on barman's clock (UTC in CNPG's
 * instance pods). The plugin records it in Backup.status.backupId, and matches
 * recoveryTarget.backupID against it alone (the backup *name*, `backup-YYYYMMDDhhmmss`, never).
 * @see https://github.com/cloudnative-pg/barman-cloud/blob/main/pkg/catalog/catalog.go (findBackupFromID)
 */
const BACKUP_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/;
/** What the Barman Cloud plugin names a backup (`-n backup-<compact ISO 8601>`), status.backupName. */
const BARMAN_BACKUP_NAME = /^backup-\d{14}$/;
const RESTORE_POINT = /^before-(.+)$/;
/** A value that can go into a shell command unquoted. */
const SHELL_WORD = /^[A-Za-z0-9._-]+$/;
const LEDGER_QUERY = "SELECT backup_id FROM cnpg_gitops.applied_migrations WHERE id = '<migration>'";

/** The prefix of the restore point a migration's checkpoint creates. */
export function restorePointOf(migrationId: string): string {
  return `before-${migrationId}`;
}

/** Start of a base backup, read from barman's id (UTC), or `undefined` when it is no id or no real date. */
export function backupIdTime(backupId: string): Date | undefined {
  const match = BACKUP_ID.exec(backupId);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls over (month 13, second 60): only a real date and time reads back the same.
  return date.toISOString().replace(/[-:]/g, '').startsWith(backupId) ? date : undefined;
}

/** Where the id is, for a value that is something else (a backup name, a restore point, a Backup object). */
function whereTheIdIs(value: string): string {
  const restorePoint = RESTORE_POINT.exec(value);
  if (restorePoint) {
    return `"${value}" is a restore point: give the migration ("${restorePoint[1]}") to restorePoint and its pre-migration backup's id to backupId, from the migration Job's checkpoint record ("backupId") or its ledger row (${LEDGER_QUERY.replace('<migration>', restorePoint[1])})`;
  }
  if (BARMAN_BACKUP_NAME.test(value)) {
    return `"${value}" is barman's backup name (Backup.status.backupName), not its id; list both with kubectl -n <namespace> get backups.postgresql.cnpg.io -o custom-columns=BACKUP:.metadata.name,NAME:.status.backupName,ID:.status.backupId`;
  }
  const backup = SHELL_WORD.test(value) ? value : '<backup>';
  return `read it from the Backup: kubectl -n <namespace> get backups.postgresql.cnpg.io ${backup} -o jsonpath='{.status.backupId}'; for a migration's pre-migration backup also from the Job's checkpoint record ("backupId") or its ledger row (${LEDGER_QUERY})`;
}

/**
 * Why `value` is not barman's backup id, saying where the id is; `undefined` when it is one.
 * The text follows the field's name: "backupId must be ...".
 */
export function backupIdProblem(value: string): string | undefined {
  if (backupIdTime(value) !== undefined) return undefined;
  const reason = BACKUP_ID.test(value) ? `"${value}" is not a real date and time` : whereTheIdIs(value);
  return `must be barman's backup id YYYYMMDDTHHMMSS, as in Backup.status.backupId (e.g. "20261125T095930"): ${reason}`;
}

function requireZonedTime(time: string, what: string): Date {
  const date = zonedTime(time);
  if (date === undefined) {
    throw new Error(`${what} must be an RFC 3339 time with an explicit zone, e.g. "2026-11-25T10:00:05Z" (got "${time}": ${zonedTimeProblem(time)}); CNPG reads a time without zone as UTC, which is rarely what was meant`);
  }
  return date;
}

function requireBackupId(backupId: string | undefined): void {
  const problem = backupId === undefined ? undefined : backupIdProblem(backupId);
  if (problem !== undefined) throw new Error(`backupId ${problem}`);
}

/** The end of the pinned base backup, normalized like a target time; it only means something with a pin. */
function backupEnd(backupId: string | undefined, backupStoppedAt: string | undefined): string | undefined {
  if (backupStoppedAt === undefined) return undefined;
  if (backupId === undefined) {
    throw new Error(`backupStoppedAt ("${backupStoppedAt}") is the end of the pinned base backup, but no backupId pins one: add the backup's id (status.backupId), or leave both out and barman picks the newest backup that ended before the target`);
  }
  return utcTime(backupStoppedAt, 'backupStoppedAt (the end of the base backup, its Backup\'s status.stoppedAt)');
}

/**
 * RFC 3339 in UTC with an explicit `Z`, keeping the fraction of a second the time was given with,
 * to PostgreSQL's microseconds: JavaScript's Date would round it to milliseconds.
 */
function utcTime(time: string, what: string): string {
  requireZonedTime(time, what);
  const [, whole, fraction, zone] = /^(.*:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(time)!;
  const seconds = requireZonedTime(`${whole}${zone}`, what).toISOString().slice(0, 19);
  return `${seconds}${fraction === undefined ? '' : `.${fraction.slice(0, 6)}`}Z`;
}

/**
 * Where a point-in-time recovery stops: exactly one of a time, a named restore point, an LSN,
 * or the end of a base backup, optionally pinned to a base backup. Times are always emitted as
 * RFC 3339 UTC with an explicit `Z`, to the microsecond when given so.
 * @see https://cloudnative-pg.io/documentation/1.30/recovery/#point-in-time-recovery-pitr
 */
export class RecoveryTarget {
  /**
   * The moment a migration started: its recorded start (`startedAt` of its checkpoint record,
   * from the database clock, to the microsecond), inclusive. Every commit up to that moment is
   * kept, and nothing of the migration, whose commits all come after it. A start given in whole
   * seconds (an older record, or a Kubernetes timestamp, both cut down, never rounded up) is still
   * no later than the real start, so nothing of the migration is kept either. Pinned to the
   * migration's pre-migration base backup when its id is known, and, when given, to that backup's
   * end (`backupStoppedAt` of the same record), which RST002 checks the start against.
   */
  public static beforeMigration(options: { readonly migrationId: string; readonly startedAt: string; readonly backupId?: string; readonly backupStoppedAt?: string }): RecoveryTarget {
    const time = utcTime(options.startedAt, 'the migration start time');
    requireBackupId(options.backupId);
    return new RecoveryTarget({ targetTime: time, backupId: options.backupId }, options.migrationId, backupEnd(options.backupId, options.backupStoppedAt));
  }

  /**
   * The restore point `before-<migration>` the migration's checkpoint created just before its
   * SQL ran. CNPG accepts a named target only together with the base backup to start from.
   */
  public static restorePoint(options: { readonly migrationId: string; readonly backupId: string }): RecoveryTarget {
    requireBackupId(options.backupId);
    return new RecoveryTarget({ targetName: restorePointOf(options.migrationId), backupId: options.backupId }, options.migrationId);
  }

  /**
   * An explicit time, RFC 3339 with a zone (normalized to UTC, its fraction of a second kept).
   * Pinned to base backup `backupId`, give that backup's end too (`backupStoppedAt`, its Backup's
   * status.stoppedAt): recovery cannot stop before it, and RST002 refuses a new pinned time
   * restore without it. Unpinned, barman picks the newest backup that ended before the time.
   */
  public static time(time: string, backupId?: string, backupStoppedAt?: string): RecoveryTarget {
    requireBackupId(backupId);
    return new RecoveryTarget({ targetTime: utcTime(time, 'the recovery time'), backupId }, undefined, backupEnd(backupId, backupStoppedAt));
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
    /**
     * When the pinned base backup ended (its Backup's status.stoppedAt), RFC 3339 UTC with `Z`.
     * It is no CNPG setting: the restored Cluster carries it as an annotation for RST002.
     */
    public readonly backupStoppedAt?: string,
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
      const [seconds, fraction = ''] = this.target.targetTime.replace('T', ' ').replace('Z', '').split('.');
      parameters.recovery_target_time = `${seconds}.${fraction.padEnd(6, '0')}+00:00`;
    }
    if (this.target.targetName) parameters.recovery_target_name = this.target.targetName;
    if (this.target.targetLsn) parameters.recovery_target_lsn = this.target.targetLsn;
    if (this.target.targetImmediate) parameters.recovery_target = 'immediate';
    parameters.recovery_target_inclusive = 'true';
    parameters.recovery_target_action = 'promote';
    return parameters;
  }
}
