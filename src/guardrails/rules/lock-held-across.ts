import { Finding, Guardrail } from '../rule';
import { NO_TRANSACTION, statementFinding, statementsOf } from './sql-finding';

export const lockHeldAcross: Guardrail = {
  id: 'LCK009',
  title: 'No table is read in full while an earlier statement\'s lock blocks writes',
  explanation: 'The runner applies a file in one transaction, so a lock taken by one statement is held until the last one commits. An ADD COLUMN or ADD CONSTRAINT ... NOT VALID is instant, but its ACCESS EXCLUSIVE lock then covers every later statement: a VALIDATE CONSTRAINT, a backfill, an index build or any other full read of a table runs while reads and writes of the locked table wait.',
  fix: `split the file after the statement that takes the lock: the slow statement goes into a later migration; or ${NO_TRANSACTION}`,
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    return statementsOf(migration).flatMap((statement): Finding[] => {
      const pass = statement.tables.find((effect) => effect.existing && effect.pass);
      if (!pass || statement.heldLocks.length === 0) return [];
      const locks = statement.heldLocks.map((lock) => `${lock.mode} on ${lock.table} (line ${lock.line}: ${lock.description})`).join(', ');
      const first = Math.min(...statement.heldLocks.map((lock) => lock.line));
      const waiting = statement.heldLocks.some((lock) => lock.mode === 'ACCESS EXCLUSIVE') ? 'reads and writes' : 'writes';
      // LOCK TABLE and SET LOCAL only work in a transaction: such a file cannot go without one.
      const autocommit = statementsOf(migration).some((other) => other.needsTransaction) ? '' : `, or ${NO_TRANSACTION}`;
      return [statementFinding(migration, statement, `${pass.pass!.cause} while the transaction still holds ${locks}: ${waiting} of those tables wait until the migration commits; move this statement into a later migration than line ${first}${autocommit}`)];
    });
  },
};
