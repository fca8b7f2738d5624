import { BackupSchedule } from '../../values/backup-schedule';
import { Guardrail } from '../rule';

export const scheduleFrequency: Guardrail = {
  id: 'BKP004',
  title: 'Base backups run often enough',
  explanation: 'Recovery replays all WAL since the last base backup: the longer the gap, the longer a restore takes (RTO), and a single corrupt WAL file loses more. Production takes at least one base backup a day.',
  fix: 'run backup.schedule at least as often as the environment requires (see src/guardrails/packs.ts), e.g. "0 0 3 * * *"',
  configField: 'backup.schedule',
  kinds: ['ScheduledBackup'],
  check(scheduledBackup, context) {
    const schedule = String(scheduledBackup.manifest.spec?.schedule ?? '');
    // BKP003 reports a schedule that is none.
    const gap = BackupSchedule.parse(schedule)?.longestGapHours();
    if (gap === undefined) return [];
    const allowed = context.parameters.maximumBackupIntervalHours;
    if (gap <= allowed) return [];
    return [{ message: `backups can be ${Math.round(gap)} hours apart, ${context.environment} allows at most ${allowed}`, value: schedule }];
  },
};
