import { MIGRATION_LABEL, RESTORE_ANNOTATIONS } from '../../names';
import { Guardrail } from '../rule';

export const restoreLaterCommit: Guardrail = {
  id: 'RST003',
  title: 'A time target has a commit after it in the archive',
  explanation: 'Recovery to a time stops at the first commit after it; when the archive holds none (the last WAL segment was never switched), PostgreSQL reaches the end of the WAL without reaching the target and CNPG fails the restore. The migration runner switches the WAL segment after every migration it records; a time not tied to a migration, or a Job changed by hand, does not guarantee it.',
  fix: 'restore to the migration\'s restorePoint instead, or run SELECT pg_switch_wal() on the source (or wait archive_timeout, 5 minutes) before restoring to a time',
  configField: 'restores',
  kinds: ['Cluster'],
  check(cluster, context) {
    const annotations = cluster.manifest.metadata?.annotations ?? {};
    if (annotations[RESTORE_ANNOTATIONS.source] === undefined) return [];
    const target = cluster.manifest.spec?.bootstrap?.recovery?.recoveryTarget ?? {};
    if (target.targetTime === undefined) return [];
    const migration = annotations[RESTORE_ANNOTATIONS.migration];
    if (migration === undefined) {
      return [{ message: `restore ${cluster.name} targets a time not tied to a migration: make sure a commit after it is archived`, value: target.targetTime }];
    }
    const job = context.ofKind('Job').find((object) => object.manifest.metadata?.labels?.[MIGRATION_LABEL] === migration);
    // run.sh records the migration and switches the WAL segment in `all` and `record` steps.
    const switchesWal = (job?.manifest.spec?.template?.spec?.containers ?? []).some((container: any) => /\/run\.sh (all|record)$/.test((container.command ?? []).join(' ')));
    return switchesWal ? [] : [{ message: `migration ${migration} did not run through the runner that switches the WAL segment, so the archive may end before ${target.targetTime}`, value: migration }];
  },
};
