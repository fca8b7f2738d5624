import { MIGRATION_JOB_ADMISSION } from '../../constructs/guarded-migration-job';
import { FLUX_APPLY_ONCE, MIGRATION_ANNOTATIONS, MIGRATION_LABEL } from '../../names';
import { Finding, Guardrail } from '../rule';

const SSA = 'kustomize.toolkit.fluxcd.io/ssa';
const FORCE = 'kustomize.toolkit.fluxcd.io/force';

export const jobSafety: Guardrail = {
  id: 'MIG007',
  title: 'Migration Jobs run once, in order, and are kept',
  explanation: 'A retried migration runs half-applied SQL again; a Job deleted by ttlSecondsAfterFinished is re-created by Flux drift correction and runs again; a Job without a deadline can hold locks forever. A Job Flux may patch or force-recreate is re-run by an unrelated change (an image bump, a re-clone), and a Job that does not name the migration before it can run ahead of it.',
  fix: 'keep the GuardedMigrationJob defaults: backoffLimit 0, no ttlSecondsAfterFinished, restartPolicy Never, activeDeadlineSeconds set (migration activeDeadlineSeconds), kustomize.toolkit.fluxcd.io/ssa: IfNotPresent without force, and the cnpg-gitops.io/after annotation',
  configField: 'migrations.applied',
  kinds: ['Job'],
  admission: () => ({
    ...MIGRATION_JOB_ADMISSION,
    validations: [
      { expression: '!has(object.spec.ttlSecondsAfterFinished)', message: 'MIG007: a migration Job must not set ttlSecondsAfterFinished: Flux would re-create and re-run it (docs/guardrails/MIG007.md)' },
      { expression: 'has(object.spec.backoffLimit) && object.spec.backoffLimit == 0', message: 'MIG007: a migration Job must not retry (backoffLimit: 0) (docs/guardrails/MIG007.md)' },
      { expression: 'has(object.spec.activeDeadlineSeconds)', message: 'MIG007: a migration Job needs activeDeadlineSeconds (docs/guardrails/MIG007.md)' },
      { expression: "has(object.spec.template.spec.restartPolicy) && object.spec.template.spec.restartPolicy == 'Never'", message: 'MIG007: a migration Job must not restart its containers (restartPolicy: Never) (docs/guardrails/MIG007.md)' },
      {
        expression: `has(object.metadata.annotations) && '${SSA}' in object.metadata.annotations && object.metadata.annotations['${SSA}'] == '${FLUX_APPLY_ONCE[SSA]}' && !('${FORCE}' in object.metadata.annotations && object.metadata.annotations['${FORCE}'].lowerAscii() == 'enabled')`,
        message: `MIG007: a migration Job must be applied only while absent (${SSA}: ${FLUX_APPLY_ONCE[SSA]}) and never forced (docs/guardrails/MIG007.md)`,
      },
      {
        expression: `has(object.metadata.annotations) && '${MIGRATION_ANNOTATIONS.after}' in object.metadata.annotations`,
        message: `MIG007: a migration Job must name the migration before it in ${MIGRATION_ANNOTATIONS.after} (empty for a database's first) (docs/guardrails/MIG007.md)`,
      },
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
    const annotations = job.manifest.metadata?.annotations ?? {};
    if (annotations[SSA] !== FLUX_APPLY_ONCE[SSA]) findings.push({ message: `Flux would patch Job ${job.name} on any change in Git: mark it ${SSA}: ${FLUX_APPLY_ONCE[SSA]} so it is applied only while absent`, value: annotations[SSA] ?? '(no ssa annotation)' });
    if (String(annotations[FORCE] ?? '').toLowerCase() === 'enabled') findings.push({ message: `Flux re-creates Job ${job.name} whenever it changes, and so re-runs the migration`, value: annotations[FORCE] });
    if (annotations[MIGRATION_ANNOTATIONS.after] === undefined) findings.push({ message: `Job ${job.name} does not name the migration before it (${MIGRATION_ANNOTATIONS.after})`, value: '(no annotation)' });
    return findings;
  },
};
