import { cloneSourceKey, EnvironmentDatabase } from '../config/databases';
import { DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT, GuardedMigrationJob } from '../constructs/guarded-migration-job';
import { databaseFolder, restoresDirectory, STAGES, stageName } from '../flux/layout';
import { GENERATED_MARKER } from '../flux/tree-writer';
import { MIGRATION_LOCK_KEY } from '../migrations/scripts';
import { API_RESOURCES, DELETION_REASON_ANNOTATION } from '../names';
import { RecoveryTarget } from '../values/recovery-target';
import { command } from './shell';

/** Where the runbooks go, relative to the repository root. */
export const RUNBOOKS_ROOT = 'docs/runbooks';

/** A name for the restored cluster that fits CNPG's 50 characters. */
export function restoredName(cluster: string, migrationId: string): string {
  return `${cluster}-before-${migrationId}`.slice(0, 50).replace(/-+$/, '');
}

/** An object of the database that Flux keeps when it leaves Git, and that retiring the old cluster deletes. */
export interface RetainedObject {
  readonly kind: string;
  readonly name: string;
}

export interface RollbackRunbookProps {
  readonly environment: EnvironmentDatabase;
  readonly job: GuardedMigrationJob;
  /** What the database's cluster directory renders and Flux keeps when it leaves Git (prune disabled). */
  readonly retained: readonly RetainedObject[];
  /**
   * The database that clones this one, in another environment: after the switch-over it must
   * recover from the restored cluster.
   * @default - nothing clones this database
   */
  readonly clonedBy?: { readonly environment: string; readonly configPrefix?: string };
  /**
   * The database this one clones, whose pending migrations its runs validate (MIG006): the ones
   * the restore undid are validated no longer and must not run there.
   * @default - this database clones none
   */
  readonly validates?: { readonly environment: string; readonly configPrefix?: string; readonly pending: readonly string[] };
}

/** A fenced shell block. */
function sh(...lines: readonly string[]): string[] {
  return ['```sh', ...lines, '```'];
}

/**
 * What the configs must forget of runs a rollback undid, as text: their validation records in
 * this environment (evidence of runs that no longer count), and, in the environment whose
 * pending migrations this one validates, the undone ones (MIG006: no longer vouched for).
 */
function forgetRuns(props: RollbackRunbookProps, undone: readonly string[]): { undoneRecords: string; stopPromotion: string } {
  const { environment: env, validates } = props;
  const undoneRecords = (env.migrationValidations ?? []).some((record) => undone.includes(record.migration))
    ? ` and ${undone.length === 1 ? 'its record' : 'their records'} from \`${env.configPrefix ?? ''}migrationValidations\``
    : '';
  const unvouched = undone.filter((id) => validates?.pending.includes(id));
  const stopPromotion = validates && unvouched.length > 0
    ? ` In \`src/config/${validates.environment}.ts\`, remove ${unvouched.map((id) => `\`${id}\``).join(', ')} from \`${validates.configPrefix ?? ''}migrations.applied\`: ${env.name} no longer vouches for ${unvouched.length === 1 ? 'it' : 'them'} (MIG006), and the fix goes through ${env.name} first.`
    : '';
  return { undoneRecords, stopPromotion };
}

/**
 * How to run the migration's reverse script, for a `down-sql` plan: on the primary, as the
 * database owner, taking the migration out of the ledger in the same transaction (statement by
 * statement, then the ledger, when the script cannot run in one), after the migrations applied
 * later are rolled back. Empty for a plan without a reverse script.
 */
function reverseScriptSection(props: RollbackRunbookProps): string[] {
  const { environment: env, job } = props;
  const { migration, cluster } = job;
  const script = job.sqlFiles.downSql;
  if (!migration.rollback.strategies.includes('down-sql') || script === undefined) return [];
  const applied = env.migrations?.applied ?? [];
  const later = applied.slice(applied.indexOf(migration.id) + 1);
  const transactional = job.downAnalysis?.transactional ?? true;
  // The session of the migration's own Job: its lock and timeouts, so the script neither runs
  // beside a migration nor queues every query of a table behind a lock it waits for.
  const psql = command('kubectl', 'cnpg', 'psql', cluster.name, '-n', cluster.namespace, '--tty=false', '--', '-d', cluster.database, '-v', 'ON_ERROR_STOP=1',
    ...(transactional ? ['--single-transaction'] : []),
    '-c', `SET lock_timeout = '${migration.lockTimeout ?? DEFAULT_LOCK_TIMEOUT}'`, '-c', `SET statement_timeout = '${migration.statementTimeout ?? DEFAULT_STATEMENT_TIMEOUT}'`,
    '-c', `SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`, '-c', `SET ROLE "${cluster.owner}"`, '-f', '-', '-c', 'RESET ROLE',
    '-c', `DELETE FROM cnpg_gitops.applied_migrations WHERE id = '${migration.id}'`);
  const { undoneRecords, stopPromotion } = forgetRuns(props, [migration.id]);
  return [
    '## Reverse script',
    '',
    ...(later.length > 0 ? [`First roll back the migrations applied after it, newest first: ${[...later].reverse().map((id) => `\`${id}\``).join(', ')}.`, ''] : []),
    `Roll the application back to the release before ${migration.release} (step 3 below). Then run \`${script}\` on the primary of \`${cluster.name}\` as the database owner \`${cluster.owner}\`, under the migration lock and timeouts of the Job, and take \`${migration.id}\` out of the ledger ${transactional
      ? 'in the same transaction: if it fails, nothing changed; fix the cause and run it again'
      : 'after it. The script runs statement by statement (it holds statements that cannot run in a transaction): if it stops half way, the statements before the failed one stay done and the ledger keeps the migration; fix the cause, then run the same command with a copy of the script that starts at the failed statement'}:`,
    '',
    ...sh(`${psql} < ${command(script)}`),
    '',
    `Then remove \`${migration.id}\` from \`${env.configPrefix ?? ''}migrations.applied\`${undoneRecords} in \`src/config/${env.name}.ts\`.${stopPromotion} Synthesize, commit and push. For data the script cannot bring back, restore instead:`,
    '',
  ];
}

/**
 * The rollback runbook of one migration in one environment: every command and config entry an
 * on-call engineer needs to restore the cluster to the moment before the migration, verify the
 * recovery, move the application over and retire the old cluster. Every command names objects
 * and Flux stages the tree renders, is shell-quoted, and passes the project's own admission
 * policies (a reason annotated before a protected delete); test/runbooks checks them.
 */
export function renderRollbackRunbook(props: RollbackRunbookProps): { path: string; content: string } {
  const { environment: env, job, retained, clonedBy } = props;
  const migration = job.migration;
  const cluster = job.cluster.name;
  const ns = job.cluster.namespace;
  const restored = restoredName(cluster, migration.id);
  const example = RecoveryTarget.beforeMigration({ migrationId: migration.id, startedAt: '2026-01-01T00:00:05.123456Z' }).toPostgresParameters();
  const field = env.configPrefix ?? '';
  const file = `src/config/${env.name}.ts`;
  const root = env.flux?.sourceName ?? 'flux-system';
  const stage = (name: string) => stageName(name, env);
  const checkpointContainer = migration.image === undefined ? ['containerStatuses', 'migrate'] : ['initContainerStatuses', 'checkpoint'];
  const kubectl = (...words: string[]) => command('kubectl', '-n', ns, ...words);
  const reason = `replaced by ${restored} after rolling back ${migration.id}`;
  const retire = retained.flatMap((object) => [
    ...(object.kind === 'Cluster' || object.kind === 'ObjectStore' ? [kubectl('annotate', API_RESOURCES[object.kind], object.name, `${DELETION_REASON_ANNOTATION}=${reason}`, '--overwrite')] : []),
    kubectl('delete', API_RESOURCES[object.kind], object.name),
  ]);
  const explicitFolder = env.objectStore.serverName !== undefined;
  // The restored cluster is from before this migration and every one applied after it.
  const applied = env.migrations?.applied ?? [];
  const undone = applied.slice(applied.indexOf(migration.id));
  const undoneText = undone.length === 1 ? `\`${migration.id}\`` : `\`${migration.id}\` and the migrations applied after it (${undone.slice(1).map((id) => `\`${id}\``).join(', ')}), which the restore undid as well,`;
  const { undoneRecords, stopPromotion } = forgetRuns(props, undone);
  const credentials = env.appCredentials === undefined
    ? `The operator generates new application credentials for it, \`${restored}-app\`: point the application at them after this step (the old \`${cluster}-app\` belongs to \`${cluster}\` and goes with it).`
    : 'existingSecret' in env.appCredentials
      ? `The application keeps its credentials, \`${env.appCredentials.existingSecret}\`.`
      : `Switch the application's credentials to \`${restored}-app\`: the same password, from the same key of the secret store.`;
  const lines = [
    `<!-- ${GENERATED_MARKER} from ${file} and src/config/migrations.ts. Do not edit: change the config and run \`npm run synth\`. -->`,
    `# Roll back \`${migration.id}\` in ${env.name}`,
    '',
    `Migration \`${migration.id}\` (release ${migration.release}, ${migration.phase}) runs as Job \`${job.jobName}\` on cluster \`${cluster}\` in namespace \`${ns}\`.`,
    `Its rollback plan: **${migration.rollback.strategies.join(', ')}**. ${migration.rollback.steps}`,
    '',
    ...reverseScriptSection(props),
    `Point-in-time recovery never changes \`${cluster}\`: CNPG creates a new cluster, \`${restored}\`, from the base backup and the WAL in the object store and stops just before the migration. Whatever was written to \`${cluster}\` after that moment is not in it.`,
    '',
    '## 1. Read the checkpoint',
    '',
    `The migration recorded, in the ledger of \`${cluster}\` and in the termination message of its Job, the restore point it created, its start time from the database clock, and the pre-migration backup's **barman id** (\`YYYYMMDDTHHMMSS\`, the Backup's \`status.backupId\`; not the Backup's name) and, in the termination message only, when that backup ended (\`backupStoppedAt\`, the Backup's \`status.stoppedAt\`, which the last command prints as well):`,
    '',
    ...sh(
      command('kubectl', 'cnpg', 'psql', cluster, '-n', ns, '--', '-d', job.cluster.database, '-Atc', `SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), restore_point, restore_point_lsn, backup_id FROM cnpg_gitops.applied_migrations WHERE id = '${migration.id}'`),
      kubectl('get', 'pods', '-l', `job-name=${job.jobName}`, '-o', `jsonpath={.items[0].status.${checkpointContainer[0]}[?(@.name=="${checkpointContainer[1]}")].state.terminated.message}{"\\n"}`),
      kubectl('get', API_RESOURCES.Backup, '-l', `cnpg-gitops.io/migration=${migration.id},cnpg-gitops.io/cluster=${cluster}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.backupId} {.status.stoppedAt}{"\\n"}{end}'),
    ),
    '',
    `The pre-migration Backup the Job's gate took (named after the Job's pod, \`backup_name\` in the ledger) must be \`completed\`. WAL archiving must still work, so the archive reaches past the migration (the Job switched the WAL segment right after recording it, so a time target has a later commit to stop at):`,
    '',
    ...sh(kubectl('get', API_RESOURCES.Cluster, cluster, '-o', 'jsonpath={.status.conditions[?(@.type=="ContinuousArchiving")].status}{"\\n"}')),
    '',
    `## 2. Add the restore to \`${field}restores\` in \`${file}\``,
    '',
    'To the restore point written just before the SQL ran (CNPG needs the base backup id with a named target):',
    '',
    '```ts',
    'restores: [{',
    `  name: '${restored}',`,
    `  target: { restorePoint: '${migration.id}', backupId: '<backup_id from step 1>' },`,
    '  verify: [',
    '    // Checks of the state before the migration, e.g. a column it dropped exists again:',
    "    // { name: 'users.email is back', sql: \"SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'\", expect: '1' },",
    '  ],',
    '}],',
    '```',
    '',
    `Or by time, the recorded start to the microsecond: \`target: { beforeMigration: '${migration.id}', startedAt: '<the start from step 1>', backupId: '<backup_id>', backupStoppedAt: '<its stoppedAt from step 1>' }\` (\`backupStoppedAt\` is the end of that backup, \`"backupStoppedAt"\` of the record or the Backup's \`status.stoppedAt\`: recovery cannot stop before it, and RST002 checks the start against it). PostgreSQL then runs with, for a start at 2026-01-01T00:00:05.123456Z: \`recovery_target_time = '${example.recovery_target_time}'\`, \`recovery_target_inclusive = ${example.recovery_target_inclusive}\`, \`recovery_target_action = ${example.recovery_target_action}\`.`,
    '',
    `The verification also checks that \`${migration.id}\` is not in the ledger \`cnpg_gitops.applied_migrations\`. Keep \`${migration.id}\` in \`${field}migrations.applied\` for now: it records what ran on \`${cluster}\`.`,
    '',
    '## 3. Roll the application back',
    '',
    `Deploy the application release before ${migration.release}, so no code needs the migrated schema; its Flux Kustomization depends on \`${stage(STAGES.migrations)}\`.`,
    '',
    '## 4. Synthesize, commit and let Flux create the restored cluster',
    '',
    ...sh(
      'npm run synth',
      command('git', 'add', 'src/config', 'flux', 'docs/runbooks'),
      command('git', 'commit', '-m', `Restore ${cluster} to before ${migration.id}`),
      'git push',
      command('flux', 'reconcile', 'kustomization', root, '--with-source'),
      command('kubectl', '-n', 'flux-system', 'wait', `kustomization/${stage(STAGES.restores)}`, '--for=condition=ready', '--timeout=6h'),
      kubectl('get', API_RESOURCES.Cluster, restored),
    ),
    '',
    `The first reconciliation of \`${root}\` creates the stage \`${stage(STAGES.restores)}\`, which applies \`flux/${restoresDirectory(env)}/clusters/\`. If the cluster stays in "Setting up primary", read the logs of its \`${restored}-1-full-recovery\` pod: "no backup found with ID" means the id is not barman's id of a backup in the archive; "requested recovery stop point is before consistent recovery point" means the target is before the pinned backup ended; a time target without a later commit fails at the end of WAL.`,
    '',
    '## 5. Read the verification',
    '',
    ...sh(
      command('kubectl', '-n', 'flux-system', 'wait', `kustomization/${stage(STAGES.restoreVerification)}`, '--for=condition=ready', '--timeout=35m'),
      kubectl('logs', `job/verify-${restored}`),
    ),
    '',
    'Every assertion prints `verify: ok`; the last line is `verify: all N assertions passed`. A `verify: FAIL` line names the check, the expected and the actual value, the Job fails and the stage stays not ready: do not switch.',
    '',
    `- A wrong assertion: fix it in \`${field}restores\` and commit again (steps 4 and 5). The assertions are a new ConfigMap, named after their content, so Flux re-creates the Job and it runs again.`,
    `- A wrong target: CNPG recovers a cluster only when it creates it, so a changed target does nothing to \`${restored}\`. Replace the restore entry by one with the corrected target and another name, commit (step 4), then delete \`${restored}\` and its scheduled backups, which Flux keeps:`,
    '',
    ...sh(
      kubectl('delete', API_RESOURCES.ScheduledBackup, `${restored}-scheduled`, '--ignore-not-found'),
      kubectl('annotate', API_RESOURCES.Cluster, restored, `${DELETION_REASON_ANNOTATION}=wrong recovery target`, '--overwrite'),
      kubectl('delete', API_RESOURCES.Cluster, restored),
    ),
    '',
    '## 6. Switch the application',
    '',
    `Stop writes to \`${cluster}\` (scale the application down), then point it at \`${restored}-rw.${ns}.svc\`; the restored cluster has the same application credentials (\`${job.cluster.appSecretName}\`). Scale the application up and check it.`,
    '',
    '## 7. Make the restored cluster the database of this environment',
    '',
    `In \`${file}\`: set \`${field}cluster.name\` to \`'${restored}'\`${env.cloneFrom && env.qualifier ? ` and \`${field}cloneOf\` to \`'${cloneSourceKey(env)}'\` (so its next re-clone still recovers from ${env.cloneFrom.environment}'s database)` : ''}${explicitFolder ? ` and \`${field}objectStore.serverName\` to \`'${restored}'\` (the folder it archives into)` : ' (it already archives into the folder of that name)'}, remove the \`${field}restores\` entry, remove ${undoneText} from \`${field}migrations.applied\`${undoneRecords}, then fix the migration forward.${stopPromotion} ${credentials}${clonedBy && env.qualifier ? ` In \`src/config/${clonedBy.environment}.ts\`, which clones this database, set \`${clonedBy.configPrefix ?? ''}cloneOf\` to \`'${restored}'\`: its running clone is not affected, and its next re-clone recovers from \`${restored}\`.` : ''} Then:`,
    '',
    ...sh(
      'npm run synth',
      command('git', 'add', 'src/config', 'flux', 'docs/runbooks'),
      command('git', 'commit', '-m', `Make ${restored} the ${env.name} database`),
      'git push',
      command('flux', 'reconcile', 'kustomization', root, '--with-source'),
      // A further database's stages are named after its cluster: they are new ones now.
      command('kubectl', '-n', 'flux-system', 'wait', `kustomization/${stageName(STAGES.clusters, { ...env, qualifier: env.qualifier && restored })}`, '--for=condition=ready', '--timeout=15m'),
    ),
    '',
    `Flux adopts \`${restored}\` and gives it its own object store, credentials, backups and alerts. What belonged to \`${cluster}\` leaves Git but stays in the cluster (\`kustomize.toolkit.fluxcd.io/prune: disabled\`): \`${cluster}\` keeps archiving, backing up and alerting until you retire it.`,
    '',
    '## 8. Retire the old cluster',
    '',
    `Once the application has run on \`${restored}\` long enough, delete \`${cluster}\` and what Flux kept for it. Protected objects need a reason first (DEL001):`,
    '',
    ...sh(...retire),
    '',
    `Its migration Jobs and pre-migration Backups go with the Cluster, which owns them; Flux creates the Jobs again for \`${restored}\`, where the ledger makes each a no-op that takes no backup. Its archive (\`${job.cluster.serverName}/\` below \`${job.cluster.objectStore.destinationPath}\`) is no longer under any retention policy: delete it once no restore to before this rollback can be needed.`,
    '',
  ];
  return { path: `${databaseFolder(env)}/${migration.id}.md`, content: lines.join('\n') };
}
