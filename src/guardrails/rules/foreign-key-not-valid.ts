import { NO_TRANSACTION, passRule } from './sql-finding';

export const foreignKeyNotValid = passRule({
  id: 'LCK003',
  title: 'New foreign keys are added NOT VALID, then validated',
  explanation: 'Adding a foreign key checks every row at once while both tables are locked in SHARE ROW EXCLUSIVE mode: writes to either table wait. NOT VALID adds it instantly; VALIDATE CONSTRAINT then lets writes continue, provided nothing earlier in the same transaction holds a stronger lock.',
  fix: `ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a later migration, or in the same file if you ${NO_TRANSACTION}`,
  kinds: ['foreign-key-validation'],
  scan: true,
  message: (effect) => `${effect.pass.cause}: it reads all of ${effect.table} while writes to both tables wait; add it NOT VALID and VALIDATE CONSTRAINT in a later migration, or in this one if you ${NO_TRANSACTION}`,
});
