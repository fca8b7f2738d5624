import { passRule } from './sql-finding';

export const indexConcurrently = passRule({
  id: 'LCK001',
  title: 'Indexes on existing tables are built CONCURRENTLY',
  explanation: 'CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits. An index on a table created earlier in the same file is not reported: nobody writes to it yet.',
  fix: 'use CREATE INDEX CONCURRENTLY, alone in its migration (the runner then applies the file outside a transaction)',
  kinds: ['index-build'],
  scan: true,
  message: (effect) => `${effect.pass.cause} reads all of ${effect.table} under a ${effect.lock} lock: writes wait for the whole build; use CREATE INDEX CONCURRENTLY in a migration of its own`,
});
