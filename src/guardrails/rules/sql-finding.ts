import { AnalyzedStatement, AnalyzedTableEffect } from '../../migrations/analysis';
import { PassKind } from '../../migrations/classify';
import { redactCredentials } from '../../security/credentials';
import { catalogField, Finding, Guardrail, RenderedObject } from '../rule';

/** How a file's statements can commit one by one, as the fixes of the lock rules propose it. */
export const NO_TRANSACTION = 'mark the file "-- cnpg-gitops: no-transaction because <reason>" so each statement commits on its own';

export function statementsOf(migration: RenderedObject): readonly AnalyzedStatement[] {
  return migration.manifest.statements;
}

/**
 * A finding at one statement of a migration's SQL: `file:line:column:` and the statement as the
 * value, its credentials redacted before it is shortened (a cut string constant would hide one).
 */
export function statementFinding(migration: RenderedObject, statement: AnalyzedStatement, message: string): Finding {
  const text = redactCredentials(statement.text);
  const value = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  const source = { file: migration.manifest.sql, line: statement.line, column: statement.column };
  return { message: `${source.file}:${source.line}:${source.column}: ${message}`, value, source, ...catalogField(migration.name, 'sql') };
}

export interface PassRuleSpec extends Pick<Guardrail, 'id' | 'title' | 'explanation' | 'fix'> {
  /** The passes the rule reports (PassKind in src/migrations/classify.ts). */
  readonly kinds: readonly PassKind[];
  /**
   * Scans report only under the statement's own lock: when an earlier statement of the same
   * transaction already holds one on the table, LCK009 reports the statement instead.
   */
  readonly scan: boolean;
  readonly message: (effect: AnalyzedTableEffect & { pass: NonNullable<AnalyzedTableEffect['pass']> }, statement: AnalyzedStatement) => string;
}

/** A lock-safety rule: one finding per statement that reads or rewrites an existing table for one of these reasons. */
export function passRule(spec: PassRuleSpec): Guardrail {
  const { kinds, scan, message, ...metadata } = spec;
  return {
    ...metadata,
    configField: 'migrations.applied',
    kinds: ['Migration'],
    check(migration) {
      return statementsOf(migration).flatMap((statement) => statement.tables
        .filter((effect) => effect.existing && effect.pass && kinds.includes(effect.pass.kind))
        .filter((effect) => !scan || !statement.heldLocks.some((lock) => lock.table === effect.table))
        .map((effect) => statementFinding(migration, statement, message(effect as Parameters<PassRuleSpec['message']>[0], statement))));
    },
  };
}
