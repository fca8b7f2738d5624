import { cachedResult } from '../result-cache';
import { parseSql } from './sql-parser';

/** Statements that write data, wherever they appear in a query (a data-modifying WITH). */
const WRITES: Readonly<Record<string, string>> = { InsertStmt: 'INSERT', UpdateStmt: 'UPDATE', DeleteStmt: 'DELETE', MergeStmt: 'MERGE' };
/** A psql meta-command (`\!`, `\getenv`, `\o`...): psql's, never the server's. */
const META_COMMAND = /(^|\s)\\[A-Za-z!?]/;

/** The first node of a parse tree that makes a query more than a read, described, or undefined. */
function writeIn(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  for (const [key, child] of Object.entries(node)) {
    if (WRITES[key] !== undefined) return `a WITH clause that runs ${WRITES[key]} changes data`;
    if (key === 'intoClause' && child) return 'SELECT INTO creates a table';
    if (key === 'lockingClause' && child) return 'FOR UPDATE or FOR SHARE locks rows';
    const found = writeIn(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Why `sql` is not exactly one read-only query (SELECT, VALUES, TABLE, or WITH ... SELECT
 * without a data-modifying WITH), in words naming what to change; undefined when it is one.
 * Parsed with PostgreSQL's own parser: a psql meta-command, a second statement, transaction
 * control or any write is refused. The verification Job runs the query as `psql -c` in a
 * read-only session, so nothing slips through at run time either.
 */
export function readOnlyQueryProblem(sql: string): string | undefined {
  // JSON has no undefined: the cache keeps null for "no problem".
  return cachedResult('read-only-query', sql, (query) => problemOf(query) ?? null) ?? undefined;
}

function problemOf(sql: string): string | undefined {
  const parsed = parseSql(sql);
  if (!parsed.ok) {
    if (META_COMMAND.test(sql)) return 'holds a psql meta-command (a backslash command such as \\! or \\getenv): a check is SQL only, one query the server runs';
    return `does not parse as SQL (line ${parsed.error.line}, column ${parsed.error.column}: ${parsed.error.message})`;
  }
  if (parsed.statements.length !== 1) return `must be exactly one query, got ${parsed.statements.length} statements`;
  const [statement] = parsed.statements;
  const first = statement.text.split(/\s+/)[0].toUpperCase();
  if (statement.type === 'TransactionStmt') return `controls the transaction (${first}): a check is one read-only query, run on its own`;
  if (statement.type !== 'SelectStmt') return `must be a read-only query (SELECT, VALUES, TABLE or WITH ... SELECT), got ${first}`;
  const write = writeIn(statement.node);
  return write === undefined ? undefined : `must only read, but ${write}`;
}
