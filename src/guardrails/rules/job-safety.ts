import { MIGRATION_JOB_ADMISSION, MIGRATION_LABEL } from '../../constructs/guarded-migration-job';
import { Finding, Guardrail } from '../rule';

export const jobSafety: Guardrail = {
  id: 'MIG007',
  title: 'Migration Jobs run once and are kept',
  explanation: 'A retried migration runs half-applied SQL again; a Job deleted by ttlSecondsAfterFinished is re-created by Flux drift correction and runs again; a Job without a deadline can hold locks forever.',
  fix: 'keep the GuardedMigrationJob defaults: backoffLimit 0, no ttlSecondsAfterFinished, restartPolicy Never, activeDeadlineSeconds set (migration activeDeadlineSeconds)',
  configField: 'migrations.applied',
  kinds: ['Job'],
  admission: () => ({
    ...MIGRATION_JOB_ADMISSION,
    validations: [
      { expression: '!has(object.spec.ttlSecondsAfterFinished)', message: 'MIG007: a migration Job must not set ttlSecondsAfterFinished: Flux would re-create and re-run it (docs/guardrails/MIG007.md)' },
      { expression: 'has(object.spec.backoffLimit) && object.spec.backoffLimit == 0', message: 'MIG007: a migration Job must not retry (backoffLimit: 0) (docs/guardrails/MIG007.md)' },
      { expression: 'has(object.spec.activeDeadlineSeconds)', message: 'MIG007: a migration Job needs activeDeadlineSeconds (docs/guardrails/MIG007.md)' },
    ],
  }),
  check(job) {
    if (job.manifest.metadata?.labels?.[MIGRATION_LABEL] === undefined) return [];
    const spec = job.manifest.spec ?? {};
    const findings: Finding[] = [];
    if (spec.backoffLimit !== 0) findings.push({ message: `Job ${job.name} may retry (backoffLimit ${spec.backoffLimit ?? 'unset: 6'})`, value: spec.backoffLimit });
    if (spec.ttlSecondsAfterFinished !== undefined) findings.push({ message: `Job ${job.name} is deleted after it finishes, and Flux would run it again`, value: spec.ttlSecondsAfterFinished });
    if (!(spec.activeDeadlineSeconds > 0)) findings.push({ message: `Job ${job.name} has no deadline`, value: spec.activeDeadlineSeconds });
    if (spec.template?.spec?.restartPolicy !== 'Never') findings.push({ message: `Job ${job.name} restarts its containers`, value: spec.template?.spec?.restartPolicy });
    return findings;
  },
};
