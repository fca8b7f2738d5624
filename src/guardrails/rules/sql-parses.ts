import { catalogField, Finding, Guardrail } from '../rule';

export const sqlParses: Guardrail = {
  id: 'MIG005',
  title: 'Migration SQL parses with the PostgreSQL parser',
  explanation: 'SQL that does not parse fails in the Job, after the backup and the gate, during the release; found at synthesis it costs nothing. The up and down scripts are parsed by libpg_query, PostgreSQL\'s own parser.',
  fix: 'fix the SQL at the reported line and column',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    const { sql, syntaxError, rollback } = migration.manifest;
    const findings: Finding[] = [];
    if (syntaxError) findings.push({ message: `${sql}:${syntaxError.line}:${syntaxError.column}: ${syntaxError.message}`, value: sql, source: { file: sql, line: syntaxError.line, column: syntaxError.column }, ...catalogField(migration.name, 'sql') });
    if (rollback.downSyntaxError) {
      const error = rollback.downSyntaxError;
      findings.push({ message: `${rollback.downSql}:${error.line}:${error.column}: ${error.message}`, value: rollback.downSql, source: { file: rollback.downSql, line: error.line, column: error.column }, ...catalogField(migration.name, 'rollback.downSql') });
    }
    return findings;
  },
};
