import { passRule } from './sql-finding';

export const columnRewrite = passRule({
  id: 'LCK004',
  title: 'New columns do not rewrite the table',
  explanation: 'A column added with a volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval(), any function PostgreSQL cannot prove stable, a serial type), with GENERATED ALWAYS AS IDENTITY or as a STORED generated column makes PostgreSQL rewrite the whole table and its indexes under an ACCESS EXCLUSIVE lock. Constant and stable defaults (now()) are stored once and are instant.',
  fix: 'add the column without a default (or with a constant one), backfill it in batches in a migrate migration, then SET DEFAULT (or ADD GENERATED ... AS IDENTITY on the filled column)',
  kinds: ['column-rewrite'],
  scan: false,
  message: (effect) => `${effect.pass.cause}: PostgreSQL rewrites ${effect.table} under an ACCESS EXCLUSIVE lock; add the column without it, backfill in batches, then set it`,
});
