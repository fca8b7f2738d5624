import { RESTORE_ANNOTATIONS } from '../../names';
import { backupIdProblem } from '../../values/recovery-target';
import { Finding, Guardrail } from '../rule';

const TARGETS = ['targetTime', 'targetName', 'targetLSN', 'targetXID', 'targetImmediate'];

export const restoreTarget: Guardrail = {
  id: 'RST001',
  title: 'A restore has exactly one recovery target, with the base backup CNPG needs for it',
  explanation: 'CNPG rejects several targets at once ("Recovery target options are mutually exclusive") and a named, XID or immediate target without backupID; a restore without any target silently recovers to the end of the WAL, which is the broken state it was meant to undo. The Barman Cloud plugin looks a backupID up among barman\'s ids only (YYYYMMDDTHHMMSS, Backup.status.backupId): a backup name fails in the cluster with "no backup found with ID".',
  fix: 'give the restore exactly one target form (beforeMigration, restorePoint, time, lsn, immediate) and a backupId (barman\'s id, from Backup.status.backupId) for restorePoint and immediate',
  configField: 'restores',
  kinds: ['Cluster'],
  check(cluster) {
    if (cluster.manifest.metadata?.annotations?.[RESTORE_ANNOTATIONS.source] === undefined) return [];
    const target = cluster.manifest.spec?.bootstrap?.recovery?.recoveryTarget ?? {};
    const set = TARGETS.filter((key) => target[key] !== undefined && target[key] !== false);
    const findings: Finding[] = [];
    if (set.length !== 1) findings.push({ message: `restore ${cluster.name} has ${set.length} recovery targets (${set.join(', ') || 'none: it would recover to the end of the WAL'}), needs exactly one`, value: target });
    const needsBackup = set.find((key) => ['targetName', 'targetXID', 'targetImmediate'].includes(key));
    if (needsBackup && target.backupID === undefined) findings.push({ message: `restore ${cluster.name} uses ${needsBackup}, which CNPG only accepts with backupID`, value: target });
    const problem = target.backupID === undefined ? undefined : backupIdProblem(String(target.backupID));
    if (problem !== undefined) findings.push({ message: `backupID of restore ${cluster.name} ${problem}`, value: target.backupID });
    return findings;
  },
};
