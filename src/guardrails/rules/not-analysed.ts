import { DIRECTIVE_EXAMPLE } from '../../migrations/analysis';
import { Guardrail } from '../rule';
import { statementFinding, statementsOf } from './sql-finding';

export const notAnalysed: Guardrail = {
  id: 'MIG009',
  title: 'Statements the analysis cannot classify are declared',
  explanation: 'A few statements cannot be classified from their text (a DO block, dynamic SQL, a command the analysis does not know): nobody can tell from them whether the previous release keeps working. The author declares what the statement does, with a reason, in a comment right before it; the declaration is part of the SQL, so its checksum and the staging validation cover it. A declaration on a statement the analysis classifies itself is ignored and reported.',
  fix: `put "${DIRECTIVE_EXAMPLE}" (expand, narrow, data, contract or neutral) on the line before the statement`,
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    return statementsOf(migration).flatMap((statement) => {
      if (statement.class === 'unknown') return [statementFinding(migration, statement, `"${statement.description}": declare what it does for the previous release on the line before it: ${DIRECTIVE_EXAMPLE}`)];
      if (statement.ignoredDeclaration) return [statementFinding(migration, statement, `"${statement.ignoredDeclaration}" is ignored: the analysis classifies "${statement.description}" as ${statement.class} itself; remove the declaration`)];
      return [];
    });
  },
};
