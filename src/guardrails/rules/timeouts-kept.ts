import { Guardrail } from '../rule';
import { statementFinding, statementsOf } from './sql-finding';

export const timeoutsKept: Guardrail = {
  id: 'LCK005',
  title: 'Migration SQL keeps its lock and statement timeouts',
  explanation: 'The runner sets lock_timeout and statement_timeout (PGOPTIONS) so a migration waiting for a lock fails fast instead of queueing every other query behind it. SQL that sets them to 0 removes that protection; RESET and SET ... TO DEFAULT return to the runner\'s values and are fine.',
  fix: 'remove the SET, or set a bounded value; raise the migration\'s lockTimeout/statementTimeout in the catalog instead',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    return statementsOf(migration)
      .filter((statement) => statement.disablesTimeout)
      .map((statement) => statementFinding(migration, statement, `${statement.disablesTimeout} is set to 0: statements can wait for locks (and block every query queued behind them) forever; keep the runner's value or set a bounded one`));
  },
};
