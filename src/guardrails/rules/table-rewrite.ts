import { passRule } from './sql-finding';

export const tableRewrite = passRule({
  id: 'LCK007',
  title: 'ALTER TABLE does not rewrite existing tables',
  explanation: 'Changing a column type (other than raising a limit: varchar(n) to text or a longer varchar, numeric(p,s) to numeric or more digits), SET TABLESPACE and SET LOGGED/UNLOGGED rewrite the table and its indexes under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole copy.',
  fix: 'add a new column of the new type, backfill it in batches, move readers and writers over, then drop the old one (expand/contract); move or re-log a large table in a maintenance window',
  kinds: ['table-rewrite'],
  scan: false,
  message: (effect) => `${effect.pass.cause}: PostgreSQL rewrites ${effect.table} and its indexes under an ACCESS EXCLUSIVE lock; add a new column, backfill it and switch over with expand/contract`,
});
