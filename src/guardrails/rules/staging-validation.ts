import { calendarDay, zonedTime } from '../../values/calendar-time';
import { Guardrail } from '../rule';

const DAY_MS = 86_400_000;

export const stagingValidation: Guardrail = {
  id: 'MIG006',
  title: 'Production only applies migrations validated on a recent clone of it',
  explanation: 'A migration that works on an empty or stale database can still lock, fail or be slow on production data. It must first have run, with the very same SQL, on the environment that clones production, and that clone must have been taken at most N days (migrations.maxCloneAgeDays, default 7) before the run. A record dated in the future is no evidence of a run; the config layer refuses a record of a migration the validating environment does not apply, one whose clonedOn is later than that environment\'s cloneFrom.clonedOn, and one whose validatedAt is before its clonedOn.',
  fix: 'run the migration in staging first, then copy the validation record the staging Job prints into migrationValidations of src/config/staging.ts; re-clone staging (cloneFrom.clonedOn) when it is too old',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    const { cloneValidation: validation, sha256 } = migration.manifest;
    if (!validation) return [{ message: `no environment clones ${migration.manifest.cluster}'s environment, so migration ${migration.name} cannot be validated on a copy of its data`, value: migration.name }];
    const record = validation.record;
    const where = { configIn: { environment: validation.environment, cluster: validation.cluster }, configField: 'migrationValidations' };
    if (!record) return [{ message: `migration ${migration.name} has no validation record from ${validation.environment}`, value: migration.name, ...where }];
    if (record.sqlSha256 !== sha256) {
      return [{ message: `the SQL of ${migration.name} changed since it was validated in ${validation.environment} (validated ${record.sqlSha256}, now ${sha256})`, value: record.sqlSha256, ...where }];
    }
    // The config layer checked both are real (a calendar-invalid day is never rolled over) and the run is not before the clone.
    const validatedAt = zonedTime(record.validatedAt)!.getTime();
    if (validatedAt > Date.now()) {
      return [{ message: `the validation of ${migration.name} is dated ${record.validatedAt}, in the future: a record is evidence of a run that happened; copy it from the staging Job's output`, value: record, ...where }];
    }
    const ageDays = (validatedAt - calendarDay(record.clonedOn)!.getTime()) / DAY_MS;
    if (ageDays > validation.maxCloneAgeDays + 1) {
      return [{ message: `the validation of ${migration.name} ran on a clone ${Math.floor(ageDays)} days old, more than ${validation.maxCloneAgeDays}`, value: record, ...where }];
    }
    return [];
  },
};
