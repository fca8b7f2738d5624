import { RESTORE_ANNOTATIONS } from '../../names';
import { zonedTime, zonedTimeProblem } from '../../values/calendar-time';
import { backupIdTime } from '../../values/recovery-target';
import { RetentionPolicy } from '../../values/retention-policy';
import { Finding, Guardrail, RenderedObject, RuleContext } from '../rule';

const DAY_MS = 86_400_000;
const SECOND_MS = 1_000;

/** The retention window of the store the restore reads from, in days, if it has one. */
function sourceRetentionDays(cluster: RenderedObject, context: RuleContext): number | undefined {
  const storeName = cluster.manifest.spec?.externalClusters?.[0]?.plugin?.parameters?.barmanObjectName;
  const policy = context.find('ObjectStore', storeName)?.manifest.spec?.retentionPolicy;
  return policy === undefined ? undefined : RetentionPolicy.parse(policy)?.days;
}

/** Where the end of backup `backupId` is, for a restore in `namespace`. */
function whereTheEndIs(backupId: string, namespace: string): string {
  return `kubectl -n ${namespace} get backups.postgresql.cnpg.io -o jsonpath='{.items[?(@.status.backupId=="${backupId}")].status.stoppedAt}'`;
}

/**
 * The end of the pinned base backup against the target time. The Barman Cloud plugin reports the
 * end in whole seconds (StoppedAt: EndTime.Unix()), so status.stoppedAt is the end cut down to its
 * second: a target before it is before the end for certain, one within that second may be too.
 */
function endFindings(cluster: RenderedObject, target: any, time: number, context: RuleContext): Finding[] {
  const annotations = cluster.manifest.metadata?.annotations ?? {};
  const stoppedAt = annotations[RESTORE_ANNOTATIONS.backupStoppedAt];
  const migration = annotations[RESTORE_ANNOTATIONS.migration];
  // A restore before a migration stops at the recorded start; a plain time target at `time`.
  const field = migration === undefined ? 'target.time' : 'target.startedAt';
  const backupId = String(target.backupID);
  if (stoppedAt === undefined) {
    // The checkpoint's start was taken after its gate saw the pre-migration backup completed. A
    // restore Flux has created already recovered when it was created: a finding would change nothing.
    if (migration !== undefined || context.deployed(cluster) !== undefined) return [];
    return [{
      message: `restore ${cluster.name} pins base backup ${backupId} (target.backupId) to ${field} ${target.targetTime} without the backup's end (target.backupStoppedAt): recovery cannot stop before the base backup ended, and its id only tells when it started; add backupStoppedAt, the Backup's status.stoppedAt (${whereTheEndIs(backupId, cluster.manifest.metadata?.namespace ?? '<namespace>')}), or drop backupId so barman picks the newest backup that ended before the target`,
      value: target.backupID,
    }];
  }
  const ended = zonedTime(String(stoppedAt));
  if (ended === undefined) return [{ message: `target.backupStoppedAt of restore ${cluster.name} is no real RFC 3339 time with a zone: ${zonedTimeProblem(String(stoppedAt))}`, value: stoppedAt }];
  const started = backupIdTime(backupId);
  if (started !== undefined && ended.getTime() < started.getTime()) {
    return [{ message: `target.backupStoppedAt ${stoppedAt} of restore ${cluster.name} is before base backup ${backupId} started (its id): it is the end of another backup; copy the stoppedAt of the Backup whose status.backupId is ${backupId}`, value: stoppedAt }];
  }
  if (time < ended.getTime()) {
    return [{
      message: `${field} ${target.targetTime} of restore ${cluster.name} is before its base backup ${backupId} ended (target.backupStoppedAt ${stoppedAt}): PostgreSQL cannot stop recovery before the end of the base backup and fails with "requested recovery stop point is before consistent recovery point"; pin a backup that ended before the target, or drop backupId and backupStoppedAt so barman picks one`,
      value: target.targetTime,
    }];
  }
  // Within the end's second: a checkpoint's start comes after the end it recorded, a free time need not.
  const wholeSecond = ended.getTime() % SECOND_MS === 0;
  if (migration === undefined && wholeSecond && time < ended.getTime() + SECOND_MS) {
    const safe = new Date(ended.getTime() + SECOND_MS).toISOString().replace('.000Z', 'Z');
    return [{
      message: `${field} ${target.targetTime} of restore ${cluster.name} is within the second its base backup ${backupId} ended (target.backupStoppedAt ${stoppedAt}, which Backup.status cuts to the second), so the backup may have ended after it: target ${safe} or later, or the backup's end itself with { immediate: true, backupId: '${backupId}' }`,
      value: target.targetTime,
    }];
  }
  return [];
}

export const restoreWindow: Guardrail = {
  id: 'RST002',
  title: 'A restore targets a moment the archive can still reach',
  explanation: 'A time without a zone is read as UTC (often not what was meant); a time in the future cannot be reached; a time or base backup older than the source\'s retention window has been deleted from the object store, so recovery fails with "no target backup found". A pinned base backup must have ended before the target time: PostgreSQL cannot stop recovery before the end of its base backup ("requested recovery stop point is before consistent recovery point"). Barman\'s backup id (YYYYMMDDTHHMMSS, UTC) only tells its start, so a new time target pinned to a backup also gives the backup\'s end, its Backup\'s status.stoppedAt.',
  fix: 'write the target time as RFC 3339 with Z or an offset, inside the source\'s retention window (backup.retentionPolicy); pin no backupId (barman picks one that ended before the target), or pin one with its backupStoppedAt (Backup.status.stoppedAt) before the target',
  configField: 'restores',
  kinds: ['Cluster'],
  check(cluster, context) {
    if (cluster.manifest.metadata?.annotations?.[RESTORE_ANNOTATIONS.source] === undefined) return [];
    const target = cluster.manifest.spec?.bootstrap?.recovery?.recoveryTarget ?? {};
    const findings: Finding[] = [];
    const now = Date.now();
    const days = sourceRetentionDays(cluster, context);
    const oldest = days === undefined ? undefined : now - days * DAY_MS;
    const time = target.targetTime === undefined ? undefined : zonedTime(String(target.targetTime))?.getTime();
    if (target.targetTime !== undefined) {
      if (time === undefined) findings.push({ message: `target time of ${cluster.name} is no real RFC 3339 time with a zone: ${zonedTimeProblem(String(target.targetTime))}`, value: target.targetTime });
      else if (time > now) findings.push({ message: `target time of ${cluster.name} is in the future`, value: target.targetTime });
      else if (oldest !== undefined && time < oldest) findings.push({ message: `target time of ${cluster.name} is older than the source's ${days}-day retention window`, value: target.targetTime });
    }
    // Barman's id is the backup's start (UTC in CNPG's pods); RST001 reports a backupID that is no id.
    const started = target.backupID === undefined ? undefined : backupIdTime(String(target.backupID));
    if (started !== undefined) {
      if (oldest !== undefined && started.getTime() < oldest) findings.push({ message: `base backup ${target.backupID} is older than the source's ${days}-day retention window`, value: target.backupID });
      else if (time !== undefined && started.getTime() > time) {
        findings.push({ message: `base backup ${target.backupID} started after the target time ${target.targetTime}: recovery cannot go back before its base backup`, value: target.backupID });
      } else if (time !== undefined) {
        findings.push(...endFindings(cluster, target, time, context));
      }
    }
    return findings;
  },
};
