import { Guardrail } from '../rule';
import { statementFinding, statementsOf } from './sql-finding';

/** Statement classes each phase accepts; anything else is reported (`unknown` is MIG009's). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  expand: ['expand', 'narrow', 'data', 'neutral', 'unknown'],
  migrate: ['data', 'neutral', 'unknown'],
  contract: ['contract', 'narrow', 'data', 'neutral', 'unknown'],
};

function problem(phase: string, statementClass: string): string {
  if (statementClass === 'transaction-control') return 'controls the transaction itself; the runner owns BEGIN/COMMIT (one transaction, unless the file is marked no-transaction)';
  if (statementClass === 'contract') return `is breaking for the previous release and belongs in a contract migration, not in this ${phase}`;
  if (phase === 'contract') return 'is an expand statement: a migration must not mix expand and contract; ship it in an earlier expand';
  return 'changes the schema: put it in an expand migration, and keep migrate migrations for data';
}

export const expandContract: Guardrail = {
  id: 'MIG003',
  title: 'Statements match the migration phase (expand/contract)',
  explanation: 'During a rolling deploy the previous release runs against the new schema. Breaking statements (drops, renames, type changes that alter values, dropped defaults or constraints, a required column, REVOKE, TRUNCATE, a restarted sequence, a disabled trigger) may only ship in a contract migration, after the release that stopped using the old shape; a migration that mixes expand and contract cannot be rolled out safely. Every statement is classified by the PostgreSQL parser; new constraints ("narrow") fit an expand or a contract (see MIG011).',
  fix: 'split the SQL: additive statements in an expand migration, data changes in a migrate migration, breaking ones in a contract migration of a later release',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    const phase: string = migration.manifest.phase;
    return statementsOf(migration)
      .filter((statement) => !ALLOWED[phase].includes(statement.class))
      .map((statement) => statementFinding(migration, statement, `"${statement.description}" ${problem(phase, statement.class)}`));
  },
};
