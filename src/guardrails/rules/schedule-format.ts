import { BackupSchedule } from '../../values/backup-schedule';
import { Guardrail } from '../rule';

export const scheduleFormat: Guardrail = {
  id: 'BKP003',
  title: 'Backup schedules have exactly six cron fields, seconds first',
  explanation: 'CNPG parses schedules with robfig/cron, seconds first. A five-field crontab such as "0 3 * * *" is accepted with only a warning and then runs every hour at minute 3 instead of daily at 03:00; an unparsable one never runs.',
  fix: 'write backup.schedule with six fields, seconds first, e.g. "0 0 3 * * *" for 03:00:00 every day',
  configField: 'backup.schedule',
  kinds: ['ScheduledBackup'],
  admission: () => ({
    resources: [{ apiGroup: 'postgresql.cnpg.io', resource: 'scheduledbackups', operations: ['CREATE', 'UPDATE'] }],
    validations: [{
      expression: "object.spec.schedule.split(' ').filter(f, f != '').size() == 6",
      message: 'BKP003: CNPG schedules have six fields, seconds first, e.g. "0 0 3 * * *" (docs/guardrails/BKP003.md)',
    }],
  }),
  check(scheduledBackup) {
    const schedule = String(scheduledBackup.manifest.spec?.schedule ?? '');
    const problem = BackupSchedule.problemOf(schedule);
    return problem === undefined ? [] : [{ message: problem, value: schedule }];
  },
};
