import { catalogField, Finding, Guardrail } from '../rule';

/** Statement classes each phase accepts; anything else is reported. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  expand: ['expand', 'data', 'neutral'],
  migrate: ['data', 'neutral'],
  contract: ['contract', 'data', 'neutral'],
};

function problem(phase: string, statementClass: string): string {
  if (statementClass === 'transaction-control') return 'controls the transaction itself; the runner owns BEGIN/COMMIT (one transaction when every statement allows it)';
  if (statementClass === 'unknown') return 'is not analysed and counts as breaking: split it out into a contract migration or suppress MIG003 with a reason';
  if (statementClass === 'contract') return `is breaking for the previous release and belongs in a contract migration, not in this ${phase}`;
  if (phase === 'contract') return 'is an expand statement: a migration must not mix expand and contract; ship it in an earlier expand';
  return 'changes the schema: put it in an expand migration, and keep migrate migrations for data';
}

export const expandContract: Guardrail = {
  id: 'MIG003',
  title: 'Statements match the migration phase (expand/contract)',
  explanation: 'During a rolling deploy the previous release runs against the new schema. Breaking statements (drops, renames, type changes, SET NOT NULL, dropped defaults or constraints) may only ship in a contract migration, after the release that stopped using the old shape; a migration that mixes expand and contract cannot be rolled out safely. Every statement is classified by the PostgreSQL parser.',
  fix: 'split the SQL: additive statements in an expand migration, data changes in a migrate migration, breaking ones in a contract migration of a later release',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    const { phase, statements, sql } = migration.manifest;
    return statements
      .filter((statement: any) => !ALLOWED[phase].includes(statement.class))
      .map((statement: any): Finding => ({
        message: `${sql}:${statement.line}:${statement.column}: "${statement.description}" ${problem(phase, statement.class)}`,
        value: statement.text.length > 80 ? `${statement.text.slice(0, 77)}...` : statement.text,
        ...catalogField(migration.name, 'sql'),
      }));
  },
};
