import { Guardrail } from '../rule';
import { statementFinding, statementsOf } from './sql-finding';

export const singleTransaction: Guardrail = {
  id: 'MIG008',
  title: 'Statements that cannot run in a transaction stand alone',
  explanation: 'When one statement cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM...), the runner applies the file statement by statement: a failure half way leaves the earlier statements applied, and the migration can neither be retried nor simply rolled back. Session settings (SET, RESET) beside it are fine, and so is a file whose author marked it "-- cnpg-gitops: no-transaction because ..." on purpose.',
  fix: 'move the non-transactional statement into a migration of its own, or mark the file no-transaction with a reason if every statement may commit on its own',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    const statements = statementsOf(migration);
    if (migration.manifest.transactional || migration.manifest.noTransaction !== undefined) return [];
    const others = statements.filter((statement) => statement.transactional && !statement.text.match(/^(SET|RESET)\b/i));
    const culprit = statements.find((statement) => !statement.transactional);
    if (!culprit || others.length === 0) return [];
    return [statementFinding(migration, culprit, `"${culprit.description}" cannot run in a transaction, so the other ${others.length} statement(s) of ${migration.name} run without one`)];
  },
};
