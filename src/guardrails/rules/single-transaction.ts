import { catalogField, Guardrail } from '../rule';

export const singleTransaction: Guardrail = {
  id: 'MIG008',
  title: 'Statements that cannot run in a transaction stand alone',
  explanation: 'When one statement cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM...), the runner applies the file statement by statement: a failure half way leaves the earlier statements applied, and the migration can neither be retried nor simply rolled back.',
  fix: 'move the non-transactional statement into a migration of its own',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    const { transactional, statements, sql } = migration.manifest;
    if (transactional || statements.length <= 1) return [];
    const culprit = statements.find((statement: any) => !statement.transactional);
    return [{ message: `${sql}:${culprit.line}:${culprit.column}: "${culprit.description}" cannot run in a transaction, so the other ${statements.length - 1} statement(s) of ${migration.name} run without one`, value: culprit.text, ...catalogField(migration.name, 'sql') }];
  },
};
