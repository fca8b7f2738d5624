import { NO_TRANSACTION, passRule } from './sql-finding';

export const setNotNull = passRule({
  id: 'LCK006',
  title: 'SET NOT NULL is prepared by a validated CHECK constraint',
  explanation: 'SET NOT NULL reads the whole table under an ACCESS EXCLUSIVE lock, unless a validated CHECK (column IS NOT NULL) already proves it; the analysis sees such a check when an earlier statement of the same file added or validated it.',
  fix: `add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL and drop the check: across migrations, or in one file if you ${NO_TRANSACTION}`,
  kinds: ['not-null-scan'],
  scan: true,
  message: (effect) => `${effect.pass.cause} under an ACCESS EXCLUSIVE lock on ${effect.table}: first add CHECK (... IS NOT NULL) NOT VALID and VALIDATE it (in a later migration, or here if you ${NO_TRANSACTION})`,
});
