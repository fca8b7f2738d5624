import { RESTORE_ANNOTATIONS } from '../../names';
import { zonedTime, zonedTimeProblem } from '../../values/calendar-time';
import { backupIdTime } from '../../values/recovery-target';
import { RetentionPolicy } from '../../values/retention-policy';
import { Finding, Guardrail, RenderedObject, RuleContext } from '../rule';

const DAY_MS = 86_400_000;

/** The retention window of the store the restore reads from, in days, if it has one. */
function sourceRetentionDays(cluster: RenderedObject, context: RuleContext): number | undefined {
  const storeName = cluster.manifest.spec?.externalClusters?.[0]?.plugin?.parameters?.barmanObjectName;
  const policy = context.find('ObjectStore', storeName)?.manifest.spec?.retentionPolicy;
  return policy === undefined ? undefined : RetentionPolicy.parse(policy)?.days;
}

export const restoreWindow: Guardrail = {
  id: 'RST002',
  title: 'A restore targets a moment the archive can still reach',
  explanation: 'A time without a zone is read as UTC (often not what was meant); a time in the future cannot be reached; a time or base backup older than the source\'s retention window has been deleted from the object store, so recovery fails with "no target backup found". A pinned base backup must also have started before the target time; its start is read from barman\'s backup id (YYYYMMDDTHHMMSS, UTC).',
  fix: 'write the target time as RFC 3339 with Z or an offset, inside the source\'s retention window (backup.retentionPolicy), and pin a backupId taken before it',
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
      }
    }
    return findings;
  },
};
