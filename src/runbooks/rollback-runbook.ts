import { EnvironmentDatabase } from '../config/databases';
import { databaseFolder, restoresDirectory } from '../flux/layout';
import { GuardedMigrationJob } from '../constructs/guarded-migration-job';
import { GENERATED_MARKER } from '../flux/tree-writer';
import { RecoveryTarget } from '../values/recovery-target';

/** Where the runbooks go, relative to the repository root. */
export const RUNBOOKS_ROOT = 'docs/runbooks';

/** A name for the restored cluster that fits CNPG's 50 characters. */
function restoredName(cluster: string, migrationId: string): string {
  return `${cluster}-before-${migrationId}`.slice(0, 50).replace(/-+$/, '');
}

/**
 * The rollback runbook of one migration in one environment: every command and config entry an
 * on-call engineer needs to restore the cluster to the moment before the migration, verify the
 * recovery and move the application over. Rendered as markdown beside the docs, never applied.
 */
export function renderRollbackRunbook(env: EnvironmentDatabase, job: GuardedMigrationJob): { path: string; content: string } {
  const migration = job.migration;
  const cluster = job.cluster.name;
  const ns = job.cluster.namespace;
  const restored = restoredName(cluster, migration.id);
  const example = RecoveryTarget.beforeMigration({ migrationId: migration.id, startedAt: '2026-01-01T00:00:05Z' }).toPostgresParameters();
  const field = env.configPrefix ?? '';
  // The default runner checkpoints in its main container; a migration with its own image in the `checkpoint` init container.
  const [checkpointStatus, checkpointContainer] = migration.image === undefined ? ['containerStatuses', 'migrate'] : ['initContainerStatuses', 'checkpoint'];
  const lines = [
    `<!-- ${GENERATED_MARKER} from src/config/${env.name}.ts and src/config/migrations.ts. Do not edit: change the config and run \`npm run synth\`. -->`,
    `# Roll back \`${migration.id}\` in ${env.name}`,
    '',
    `Migration \`${migration.id}\` (release ${migration.release}, ${migration.phase}) runs as Job \`${job.jobName}\` on cluster \`${cluster}\` in namespace \`${ns}\`.`,
    `Its rollback plan: **${migration.rollback.strategies.join(', ')}**. ${migration.rollback.steps}`,
    '',
    `Point-in-time recovery never changes \`${cluster}\`: CNPG creates a new cluster, \`${restored}\`, from the base backup and the WAL in the object store and stops just before the migration. Whatever was written to \`${cluster}\` after that moment is not in it.`,
    '',
    '## 1. Confirm the checkpoint',
    '',
    'The pre-migration backup, and its id:',
    '',
    '```sh',
    `kubectl -n ${ns} get backups.postgresql.cnpg.io ${job.backupName} -o jsonpath='{.status.phase} {.status.backupId} {.status.stoppedAt}{"\\n"}'`,
    '```',
    '',
    'It must say `completed`. The checkpoint the Job recorded (restore point, start time from the database clock, backup id) is in the ledger, and in the termination message of the container that created the restore point:',
    '',
    '```sh',
    `kubectl cnpg psql ${cluster} -n ${ns} -- -d ${job.cluster.database} -Atc "SELECT started_at, restore_point, restore_point_lsn, backup_id FROM cnpg_gitops.applied_migrations WHERE id = '${migration.id}'"`,
    `kubectl -n ${ns} get pods -l job-name=${job.jobName} -o jsonpath='{.items[0].status.${checkpointStatus}[?(@.name=="${checkpointContainer}")].state.terminated.message}{"\\n"}'`,
    '```',
    '',
    `The record holds \`backupId\`, \`restorePoint\` (\`${job.restorePoint}\`) and \`startedAt\`. WAL archiving must still work, so the archive reaches past the migration:`,
    '',
    '```sh',
    `kubectl -n ${ns} get clusters.postgresql.cnpg.io ${cluster} -o jsonpath='{.status.conditions[?(@.type=="ContinuousArchiving")].status}{"\\n"}'   # True`,
    '```',
    '',
    'The Job switched the WAL segment right after recording the migration (`pg_switch_wal()`), so the archive holds a commit after the target, which a time target needs.',
    '',
    `## 2. Add the restore to \`${field}restores\` in \`src/config/${env.name}.ts\``,
    '',
    'Exact, to the restore point written just before the SQL ran (CNPG needs the base backup id with a named target):',
    '',
    '```ts',
    'restores: [{',
    `  name: '${restored}',`,
    `  target: { restorePoint: '${migration.id}', backupId: '<backupId from step 1>' },`,
    '  verify: [',
    "    // Checks of the state before the migration, e.g. a column it dropped exists again:",
    "    // { name: 'users.email is back', sql: \"SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'\", expect: '1' },",
    '  ],',
    '}],',
    '```',
    '',
    `Or by time, one second before the recorded start: \`target: { beforeMigration: '${migration.id}', startedAt: '<startedAt from step 1>', backupId: '<backupId>' }\`. It is emitted as RFC 3339 UTC with an explicit \`Z\` (CNPG reads a time without a zone as UTC) and PostgreSQL then runs with, for a start at 2026-01-01T00:00:05Z: \`recovery_target_time = '${example.recovery_target_time}'\`, \`recovery_target_inclusive = ${example.recovery_target_inclusive}\`, \`recovery_target_action = ${example.recovery_target_action}\`.`,
    '',
    `The verification also checks that \`${migration.id}\` is not in the ledger \`cnpg_gitops.applied_migrations\`.`,
    '',
    '## 3. Revert the application release',
    '',
    `Find the application commit of release ${migration.release} and revert it, so no code needs the migrated schema:`,
    '',
    '```sh',
    `git log --oneline -- ${migration.sql} src/config/migrations.ts`,
    'git revert <commit of the application release>',
    '```',
    '',
    `Keep \`${migration.id}\` in \`migrations.applied\` for now: it records what ran on \`${cluster}\`, whose Job and Backup stay as evidence.`,
    '',
    '## 4. Synthesize, commit and watch Flux',
    '',
    '```sh',
    'npm run synth && git add -A && git commit -m "Restore before ' + migration.id + '" && git push',
    'flux reconcile kustomization cnpg-restores --with-source',
    `kubectl -n flux-system wait kustomization/cnpg-restores --for=condition=ready --timeout=6h`,
    `kubectl -n ${ns} get clusters.postgresql.cnpg.io ${restored} -w`,
    '```',
    '',
    `The objects are in \`flux/${restoresDirectory(env)}/\`. If the cluster stays in "Setting up primary", read \`kubectl -n ${ns} logs ${restored}-1-full-recovery-<suffix>\`: "no target backup found" means the backup id does not match the archive; a time target without a later commit fails at the end of WAL.`,
    '',
    '## 5. Read the verification',
    '',
    '```sh',
    'kubectl -n flux-system wait kustomization/cnpg-restore-verification --for=condition=ready --timeout=35m',
    `kubectl -n ${ns} logs job/verify-${restored}`,
    '```',
    '',
    'Every assertion prints `verify: ok`; the last line is `verify: all N assertions passed`. A `verify: FAIL` line names the check, the expected and the actual value, the Job fails and the Kustomization stays not ready: do not switch, fix the target or the assertions and commit again.',
    '',
    '## 6. Switch the application',
    '',
    `Stop writes to \`${cluster}\` (scale the application down), then point it at \`${restored}-rw.${ns}.svc\`. The restored cluster uses the same credentials Secret, \`${job.cluster.appSecretName}\`. Scale the application up and check it.`,
    '',
    '## 7. Clean up',
    '',
    `1. Make \`${restored}\` the environment's cluster: set \`${field}cluster.name\` to \`'${restored}'\` in \`src/config/${env.name}.ts\` (it already archives into the folder of that name), remove the \`${field}restores\` entry and \`${migration.id}\` from \`${field}migrations.applied\`, fix the migration, synthesize and commit.`,
    `2. Flux never deletes clusters (\`kustomize.toolkit.fluxcd.io/prune: disabled\`). Once the application has run on \`${restored}\` long enough, delete the old one by hand: \`kubectl -n ${ns} delete clusters.postgresql.cnpg.io ${cluster}\`. Its archive stays in the object store until the retention policy (${job.cluster.retentionPolicy}) expires it.`,
    '',
  ];
  return { path: `${databaseFolder(env)}/${migration.id}.md`, content: lines.join('\n') };
}
