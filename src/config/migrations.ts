import { MigrationConfig } from './types';

/**
 * Every schema migration, in release order. Environments choose which ones they apply
 * (`migrations.applied`); the SQL lives in `migrations/<id>/`.
 */
export const MIGRATIONS = [
  {
    id: '0001-create-users',
    release: '1.3.0',
    phase: 'expand',
    sql: 'migrations/0001-create-users/up.sql',
    rollback: {
      strategies: ['down-sql', 'pitr'],
      steps: 'Before any release writes to users: run down.sql. Once rows exist, restore to before-0001-create-users with PitrRestore instead.',
      downSql: 'migrations/0001-create-users/down.sql',
    },
  },
  {
    id: '0002-add-email-normalized',
    release: '1.4.0',
    phase: 'expand',
    sql: 'migrations/0002-add-email-normalized/up.sql',
    rollback: {
      strategies: ['down-sql'],
      steps: 'Roll the application back to 1.3.0, then run down.sql: the new column only holds values derived from email, so nothing is lost.',
      downSql: 'migrations/0002-add-email-normalized/down.sql',
    },
  },
  {
    id: '0003-backfill-email-normalized',
    release: '1.4.0',
    phase: 'migrate',
    sql: 'migrations/0003-backfill-email-normalized/up.sql',
    rollback: {
      strategies: ['forward-fix'],
      steps: 'The backfill only writes lower(email) into the derived column; a wrong value is fixed by a corrected backfill migration. No data outside email_normalized changes.',
    },
  },
  {
    id: '0004-index-email-normalized',
    release: '1.4.0',
    phase: 'expand',
    sql: 'migrations/0004-index-email-normalized/up.sql',
    rollback: {
      strategies: ['down-sql'],
      steps: 'Run down.sql (DROP INDEX CONCURRENTLY). If the build failed half way, the same statement drops the invalid index.',
      downSql: 'migrations/0004-index-email-normalized/down.sql',
    },
  },
  {
    id: '0005-drop-email',
    release: '1.5.0',
    phase: 'contract',
    completes: '0002-add-email-normalized',
    sql: 'migrations/0005-drop-email/up.sql',
    rollback: {
      strategies: ['pitr', 'forward-fix'],
      steps: 'Dropping email destroys data. Revert the release commit, then restore the cluster to the restore point before-0005-drop-email with PitrRestore, verify it, and switch the application to the restored cluster. Rows written after the migration are re-applied from the application log, or fixed forward.',
    },
  },
] as const satisfies readonly MigrationConfig[];
