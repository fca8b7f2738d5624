import { catalogField, Finding, Guardrail } from '../rule';

const MINIMUM_STEPS_LENGTH = 40;

export const rollbackPlan: Guardrail = {
  id: 'MIG002',
  title: 'Every migration carries a data-rollback plan; destructive ones include PITR',
  explanation: 'Reverting the application commit does not bring back dropped columns, truncated tables or deleted rows. Each migration states how its data comes back (pitr, down-sql, forward-fix) and the steps on-call follows; a reverse script cannot recreate destroyed data, so destructive migrations must plan point-in-time recovery.',
  fix: 'set rollback.strategies and rollback.steps (at least 40 characters) on the migration in src/config/migrations.ts; give rollback.downSql with down-sql; include "pitr" when the SQL drops, truncates, deletes without WHERE or narrows a type',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration) {
    const { rollback, statements } = migration.manifest;
    const findings: Finding[] = [];
    if (rollback.strategies.length === 0) findings.push({ message: `migration ${migration.name} names no rollback strategy`, value: rollback.strategies, ...catalogField(migration.name, 'rollback.strategies') });
    if (rollback.steps.trim().length < MINIMUM_STEPS_LENGTH) {
      findings.push({ message: `migration ${migration.name} has no written rollback steps (at least ${MINIMUM_STEPS_LENGTH} characters)`, value: rollback.steps, ...catalogField(migration.name, 'rollback.steps') });
    }
    if (rollback.strategies.includes('down-sql') && rollback.downSql === undefined) {
      findings.push({ message: `migration ${migration.name} plans down-sql without a down script`, value: rollback, ...catalogField(migration.name, 'rollback.downSql') });
    }
    const destructive = statements.filter((statement: any) => statement.destructive);
    if (destructive.length > 0 && !rollback.strategies.includes('pitr')) {
      findings.push({
        message: `migration ${migration.name} destroys data (${destructive.map((s: any) => `line ${s.line}: ${s.description}`).join('; ')}) but its rollback does not include pitr`,
        value: rollback.strategies,
        ...catalogField(migration.name, 'rollback.strategies'),
      });
    }
    return findings;
  },
};
