import { NO_TRANSACTION, passRule } from './sql-finding';

export const batchedDml = passRule({
  id: 'LCK012',
  title: 'Backfills and deletes touch rows in batches',
  explanation: 'An UPDATE or DELETE without a batch bound (a key equality, an IN list, a range, a LIMIT subquery) changes every matching row in one transaction: each stays locked until commit, so the application\'s writes to them wait, and the whole change is one long transaction for replication and vacuum.',
  fix: `bound each statement to a batch (WHERE id BETWEEN ... or WHERE id IN (SELECT ... LIMIT n)) and ${NO_TRANSACTION}, or run the batches with a procedure that COMMITs between them`,
  kinds: ['all-rows'],
  scan: false,
  message: (effect) => `${effect.pass.cause} may change every row: each stays locked until the migration commits; change the rows in bounded batches and ${NO_TRANSACTION}`,
});
