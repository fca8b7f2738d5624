import { catalogField, Guardrail } from '../rule';

/** A lock-safety rule: reports the classifier's findings that carry its id. */
function lockRule(id: string, title: string, explanation: string, fix: string): Guardrail {
  return {
    id,
    title,
    explanation,
    fix,
    configField: 'migrations.applied',
    kinds: ['Migration'],
    check(migration) {
      return migration.manifest.statements.flatMap((statement: any) => statement.lockWarnings
        .filter((warning: any) => warning.id === id)
        .map((warning: any) => ({ message: `${migration.manifest.sql}:${statement.line}:${statement.column}: ${warning.message}`, value: statement.text.length > 80 ? `${statement.text.slice(0, 77)}...` : statement.text, ...catalogField(migration.name, 'sql') })));
    },
  };
}

export const indexConcurrently = lockRule('LCK001', 'Indexes are created and dropped CONCURRENTLY',
  'CREATE INDEX blocks every write to the table for the whole build, and DROP INDEX takes an ACCESS EXCLUSIVE lock; on a large table that is an outage.',
  'use CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY, alone in its migration');
export const checkNotValid = lockRule('LCK002', 'New CHECK constraints are added NOT VALID, then validated',
  'Adding a CHECK constraint scans the whole table under an ACCESS EXCLUSIVE lock. NOT VALID adds it instantly for new rows; VALIDATE CONSTRAINT then scans with a lock that lets reads and writes continue.',
  'ADD CONSTRAINT ... CHECK (...) NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a separate statement');
export const foreignKeyNotValid = lockRule('LCK003', 'New foreign keys are added NOT VALID, then validated',
  'Adding a foreign key validates every row at once and locks both tables (SHARE ROW EXCLUSIVE) for the duration.',
  'ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a separate statement');
export const volatileDefault = lockRule('LCK004', 'New columns get no volatile default',
  'A column added with a volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial sequence) makes PostgreSQL rewrite the whole table under an ACCESS EXCLUSIVE lock; constant defaults are instant.',
  'add the column without a default (or with a constant one), backfill in batches in a migrate migration, then SET DEFAULT');
export const timeoutsKept = lockRule('LCK005', 'Migration SQL keeps its lock and statement timeouts',
  'The runner sets lock_timeout and statement_timeout so a migration waiting for a lock fails fast instead of queueing every other query behind it. SQL that resets them or sets them to 0 removes that protection.',
  'remove the SET/RESET, or set a bounded value; raise the migration\'s lockTimeout/statementTimeout in the catalog instead');
export const setNotNull = lockRule('LCK006', 'SET NOT NULL is prepared by a validated CHECK constraint',
  'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock, unless a validated CHECK (column IS NOT NULL) already proves it.',
  'add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL and drop the check');
export const typeRewrite = lockRule('LCK007', 'Column types are not changed in place',
  'ALTER COLUMN TYPE rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, and breaks the previous release.',
  'add a new column of the new type, backfill it, move readers and writers over, then drop the old one (expand/contract)');
export const uniqueUsingIndex = lockRule('LCK008', 'Unique and primary key constraints reuse a concurrently built index',
  'ADD CONSTRAINT ... UNIQUE/PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock.',
  'CREATE UNIQUE INDEX CONCURRENTLY, then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX');
