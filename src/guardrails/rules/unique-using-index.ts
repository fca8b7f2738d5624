import { passRule } from './sql-finding';

export const uniqueUsingIndex = passRule({
  id: 'LCK008',
  title: 'Unique and primary key constraints reuse a concurrently built index',
  explanation: 'ADD CONSTRAINT ... UNIQUE / PRIMARY KEY / EXCLUDE builds its index under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build.',
  fix: 'CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX',
  kinds: ['unique-constraint'],
  scan: true,
  message: (effect) => `${effect.pass.cause} under an ACCESS EXCLUSIVE lock on ${effect.table}: build it with CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX`,
});
