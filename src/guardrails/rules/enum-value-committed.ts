import { Guardrail } from '../rule';
import { NO_TRANSACTION, statementFinding, statementsOf } from './sql-finding';

export const enumValueCommitted: Guardrail = {
  id: 'MIG010',
  title: 'A new enum value is not used in the transaction that adds it',
  explanation: 'PostgreSQL refuses to use an enum value added by ALTER TYPE ... ADD VALUE before that transaction commits ("unsafe use of new value"). The runner applies a file in one transaction, so a migration that adds a value and then writes or compares it fails at that statement.',
  fix: `add the value in one migration and use it in a later one, or ${NO_TRANSACTION}`,
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    return statementsOf(migration)
      .filter((statement) => statement.usesNewEnumValue)
      .map((statement) => statementFinding(migration, statement, `uses the enum value '${statement.usesNewEnumValue!.value}' added at line ${statement.usesNewEnumValue!.line} of the same transaction: PostgreSQL fails with "unsafe use of new value"; use it in a later migration, or ${NO_TRANSACTION}`));
  },
};
