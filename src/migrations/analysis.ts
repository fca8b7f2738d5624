import { createHash } from 'node:crypto';
import { classifyStatement, StatementClassification } from './classify';
import { parseSql, SqlSyntaxError } from './sql-parser';

export interface AnalyzedStatement extends StatementClassification {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/** What the PostgreSQL parser and the classifier make of one SQL file. */
export interface SqlAnalysis {
  /** `sha256:<hex>` of the file's bytes: the identity of "the same SQL". */
  readonly sha256: string;
  readonly statements: readonly AnalyzedStatement[];
  /** Set when the file does not parse; `statements` is then empty. */
  readonly syntaxError?: SqlSyntaxError;
  /** Whether the whole file can run in one transaction. */
  readonly transactional: boolean;
}

export function sqlSha256(sql: string): string {
  return `sha256:${createHash('sha256').update(sql).digest('hex')}`;
}

const analyses = new Map<string, SqlAnalysis>();

/** Parses and classifies a SQL file once per distinct content, however many environments apply it. */
export function analyzeSql(sql: string): SqlAnalysis {
  const sha256 = sqlSha256(sql);
  const cached = analyses.get(sha256);
  if (cached) return cached;
  const parsed = parseSql(sql);
  const statements = parsed.ok
    ? parsed.statements.map((statement) => ({ ...classifyStatement(statement), text: statement.text, line: statement.line, column: statement.column }))
    : [];
  const analysis: SqlAnalysis = {
    sha256,
    statements,
    syntaxError: parsed.ok ? undefined : parsed.error,
    transactional: statements.every((statement) => statement.transactional),
  };
  analyses.set(sha256, analysis);
  return analysis;
}
