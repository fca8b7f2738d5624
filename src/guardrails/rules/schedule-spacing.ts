import { BackupSchedule } from '../../values/backup-schedule';
import { Guardrail } from '../rule';

/** `1 second`, `30 minutes`, `24 hours`: a gap as a person reads it (cron gaps are whole seconds). */
function duration(hours: number): string {
  const seconds = Math.round(hours * 3600);
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

export const scheduleSpacing: Guardrail = {
  id: 'BKP007',
  title: 'Base backups are not scheduled too close together',
  explanation: 'Each scheduled run creates a Backup object and takes a full base backup: the whole database read and uploaded. Runs a second or a minute apart pile up Backup objects, load the cluster without end and fill the object store. The archived WAL already covers the time between base backups.',
  fix: 'space the runs of backup.schedule at least the minimum of the environment apart (see src/guardrails/packs.ts), e.g. "0 0 3 * * *" for once a day; point-in-time recovery between two backups comes from the WAL archive',
  configField: 'backup.schedule',
  kinds: ['ScheduledBackup'],
  check(scheduledBackup, context) {
    const schedule = String(scheduledBackup.manifest.spec?.schedule ?? '');
    // BKP003 reports a schedule that is none.
    const gap = BackupSchedule.parse(schedule)?.shortestGapHours();
    const minimum = context.parameters.minimumBackupIntervalHours;
    if (gap === undefined || gap >= minimum) return [];
    return [{ message: `backups can start ${duration(gap)} apart, ${context.environment} needs at least ${duration(minimum)} between them`, value: schedule }];
  },
};
