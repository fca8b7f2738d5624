import { NO_TRANSACTION, passRule } from './sql-finding';

export const checkNotValid = passRule({
  id: 'LCK002',
  title: 'New CHECK constraints are added NOT VALID, then validated',
  explanation: 'Adding a CHECK constraint (to a table or a domain) checks every row under a lock that blocks writes (ACCESS EXCLUSIVE for a table). NOT VALID adds it instantly for new rows; VALIDATE CONSTRAINT then reads the old rows under a SHARE UPDATE EXCLUSIVE lock that lets reads and writes continue, provided nothing earlier in the same transaction holds a stronger lock.',
  fix: `ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a later migration, or in the same file if you ${NO_TRANSACTION}`,
  kinds: ['check-validation'],
  scan: true,
  message: (effect) => `${effect.pass.cause}: it reads all of ${effect.table} under a ${effect.lock} lock; add it NOT VALID and VALIDATE CONSTRAINT in a later migration, or in this one if you ${NO_TRANSACTION}`,
});
