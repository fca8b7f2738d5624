import { BARMAN_CLOUD_PLUGIN, MIGRATION_ANNOTATIONS, MIGRATION_LABEL } from '../../names';
import { MIGRATION_JOB_ADMISSION } from '../../constructs/guarded-migration-job';
import { Finding, Guardrail } from '../rule';

export const preMigrationBackup: Guardrail = {
  id: 'MIG001',
  title: 'Every migration Job takes its own fresh plugin Backup of a WAL-archiving cluster before it runs',
  explanation: 'A migration that goes wrong is rolled back by point-in-time recovery. That needs a base backup taken just before it and continuous WAL archiving; without both, the only way back is the last nightly backup and every write since is lost. The gate takes the Backup when, and only when, the migration is about to run.',
  fix: 'declare migrations in the environment config (migrations.applied) so GuardedMigrationJob renders the gate; do not hand-write migration Jobs or remove the gate',
  configField: 'migrations.applied',
  kinds: ['Job'],
  admission: () => ({
    ...MIGRATION_JOB_ADMISSION,
    validations: [
      {
        expression: "has(object.spec.template.spec.initContainers) && object.spec.template.spec.initContainers.exists(c, c.name == 'gate')",
        message: 'MIG001: a migration Job must take and wait for its backup in a gate init container (docs/guardrails/MIG001.md)',
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
    const clusterName = job.manifest.metadata?.annotations?.[MIGRATION_ANNOTATIONS.cluster];
    const findings: Finding[] = [];
    const gate = (job.manifest.spec?.template?.spec?.initContainers ?? []).find((container: any) => container.name === 'gate');
    const takesBackup = (gate?.command ?? []).join(' ').endsWith('/gate.sh') && gate.env?.some((variable: any) => variable.name === 'MAX_BACKUP_AGE_SECONDS');
    if (!takesBackup) findings.push({ message: `migration Job ${job.name} does not take and wait for its backup in a gate init container`, value: gate?.command ?? '(no gate)' });
    const role = context.find('Role', job.manifest.spec?.template?.spec?.serviceAccountName ?? job.name);
    const mayCreate = (role?.manifest.rules ?? []).some((rule: any) => rule.apiGroups?.includes('postgresql.cnpg.io') && rule.resources?.includes('backups') && rule.verbs?.includes('create'));
    if (!mayCreate) findings.push({ message: `the ServiceAccount of migration Job ${job.name} may not create its pre-migration Backup`, value: role?.name ?? '(no Role)' });
    const cluster = clusterName === undefined ? undefined : context.find('Cluster', clusterName);
    const archives = (cluster?.manifest.spec?.plugins ?? []).some((plugin: any) => plugin.name === BARMAN_CLOUD_PLUGIN && plugin.isWALArchiver === true && plugin.enabled !== false);
    if (!archives) findings.push({ message: `target cluster ${clusterName} does not archive WAL to an object store: no point-in-time rollback`, value: clusterName });
    return findings;
  },
};
