import { BARMAN_CLOUD_PLUGIN } from '../../constructs/barman-cloud-plugin';
import { MIGRATION_ANNOTATIONS, MIGRATION_JOB_ADMISSION, MIGRATION_LABEL } from '../../constructs/guarded-migration-job';
import { Finding, Guardrail } from '../rule';

export const preMigrationBackup: Guardrail = {
  id: 'MIG001',
  title: 'Every migration Job is gated by its own fresh plugin Backup of a WAL-archiving cluster',
  explanation: 'A migration that goes wrong is rolled back by point-in-time recovery. That needs a base backup taken just before it and continuous WAL archiving; without both, the only way back is the last nightly backup and every write since is lost.',
  fix: 'declare migrations in the environment config (migrations.applied) so GuardedMigrationJob renders the Backup and the gate; do not hand-write migration Jobs or remove the gate',
  configField: 'migrations.applied',
  kinds: ['Job'],
  admission: () => ({
    ...MIGRATION_JOB_ADMISSION,
    validations: [
      {
        expression: `has(object.metadata.annotations) && '${MIGRATION_ANNOTATIONS.backup}' in object.metadata.annotations && object.metadata.annotations['${MIGRATION_ANNOTATIONS.backup}'] != ''`,
        message: `MIG001: a migration Job must name its pre-migration Backup in ${MIGRATION_ANNOTATIONS.backup} (docs/guardrails/MIG001.md)`,
      },
      {
        expression: "has(object.spec.template.spec.initContainers) && object.spec.template.spec.initContainers.exists(c, c.name == 'gate')",
        message: 'MIG001: a migration Job must wait for its backup in a gate init container (docs/guardrails/MIG001.md)',
      },
      {
        expression: `has(object.metadata.annotations) && '${MIGRATION_ANNOTATIONS.rollbackStrategies}' in object.metadata.annotations && object.metadata.annotations['${MIGRATION_ANNOTATIONS.rollbackStrategies}'] != '' && '${MIGRATION_ANNOTATIONS.rollbackSteps}' in object.metadata.annotations && object.metadata.annotations['${MIGRATION_ANNOTATIONS.rollbackSteps}'] != ''`,
        message: `MIG002: a migration Job must carry its rollback plan (${MIGRATION_ANNOTATIONS.rollbackStrategies}, ${MIGRATION_ANNOTATIONS.rollbackSteps}) (docs/guardrails/MIG002.md)`,
      },
    ],
  }),
  check(job, context) {
    const migration = job.manifest.metadata?.labels?.[MIGRATION_LABEL];
    if (migration === undefined) return [];
    const annotations = job.manifest.metadata?.annotations ?? {};
    const backupName = annotations[MIGRATION_ANNOTATIONS.backup];
    const clusterName = annotations[MIGRATION_ANNOTATIONS.cluster];
    const findings: Finding[] = [];
    const backup = backupName === undefined ? undefined : context.find('Backup', backupName);
    if (!backup) {
      findings.push({ message: `migration Job ${job.name} has no pre-migration Backup rendered in this environment`, value: backupName ?? '(no backup annotation)' });
    } else if (backup.manifest.spec?.cluster?.name !== clusterName || backup.manifest.spec?.method !== 'plugin') {
      findings.push({ message: `pre-migration Backup ${backupName} does not back up cluster ${clusterName} through the plugin`, value: backup.manifest.spec });
    }
    const gate = (job.manifest.spec?.template?.spec?.initContainers ?? []).find((container: any) => container.name === 'gate');
    const gatedOn = gate?.env?.find((variable: any) => variable.name === 'BACKUP_NAME')?.value;
    if (!gate || gatedOn !== backupName) {
      findings.push({ message: `migration Job ${job.name} does not wait for its backup in a gate init container`, value: gatedOn ?? '(no gate)' });
    }
    const cluster = clusterName === undefined ? undefined : context.find('Cluster', clusterName);
    const archives = (cluster?.manifest.spec?.plugins ?? []).some((plugin: any) => plugin.name === BARMAN_CLOUD_PLUGIN && plugin.isWALArchiver === true && plugin.enabled !== false);
    if (!archives) findings.push({ message: `target cluster ${clusterName} does not archive WAL to an object store: no point-in-time rollback`, value: clusterName });
    return findings;
  },
};
