import { Guardrail } from '../rule';
import { statementFinding, statementsOf } from './sql-finding';

export const singleTransaction: Guardrail = {
  id: 'MIG008',
  title: 'Statements that cannot run in a transaction stand alone',
  explanation: 'When one statement cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM...), the runner applies the file statement by statement: a failure half way leaves the earlier statements applied, and the migration can neither be retried nor simply rolled back. Session settings (SET, RESET) beside it are fine, and so is a file whose author marked it "-- cnpg-gitops: no-transaction because ..." on purpose. Applied statement by statement, LOCK TABLE fails and SET LOCAL does nothing: they only work in a transaction.',
  fix: 'move the non-transactional statement into a migration of its own, or mark the file no-transaction with a reason if every statement may commit on its own; never put LOCK TABLE or SET LOCAL in a file that runs without a transaction',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    const statements = statementsOf(migration);
    if (migration.manifest.transactional) return [];
    const inert = statements
      .filter((statement) => statement.needsTransaction)
      .map((statement) => statementFinding(migration, statement, `"${statement.description}" only works in a transaction, and ${migration.name} runs statement by statement: move it into a migration that runs in one`));
    if (migration.manifest.noTransaction !== undefined) return inert;
    const others = statements.filter((statement) => statement.transactional && !statement.text.match(/^(SET|RESET)\b/i));
    const culprit = statements.find((statement) => !statement.transactional);
    if (!culprit || others.length === 0) return inert;
    return [statementFinding(migration, culprit, `"${culprit.description}" cannot run in a transaction, so the other ${others.length} statement(s) of ${migration.name} run without one`), ...inert];
  },
};
