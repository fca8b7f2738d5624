import { loadModule, parseSync, scanSync } from 'libpg-query';

let loaded: Promise<void> | undefined;
let ready = false;

/** Loads the PostgreSQL parser (libpg_query compiled to WebAssembly) once; call before synthesis. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule().then(() => { ready = true; });
  return loaded;
}

/** One top-level statement as the PostgreSQL parser sees it. */
export interface ParsedStatement {
  /** Node type, e.g. `AlterTableStmt`. */
  readonly type: string;
  /** The parse tree of the statement (the node's fields). */
  readonly node: any;
  /** The statement's text, trimmed. */
  readonly text: string;
  /** 1-based line and column of the statement in the file. */
  readonly line: number;
  readonly column: number;
}

/** A `--` comment of the file, with its 1-based position. */
export interface SqlComment {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/** A syntax error with the parser's message and its 1-based position. */
export interface SqlSyntaxError {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

export type ParseResult =
  | {
    readonly ok: true;
    readonly statements: readonly ParsedStatement[];
    /** The file's `--` comments (outside string literals and function bodies), in order. */
    readonly comments: readonly SqlComment[];
  }
  | { readonly ok: false; readonly error: SqlSyntaxError };

function position(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** Skips white space and comments from `offset`, the way the statement's own text begins. */
function firstToken(sql: string, offset: number): number {
  let index = offset;
  for (;;) {
    while (index < sql.length && /\s/.test(sql[index])) index += 1;
    if (sql.startsWith('--', index)) {
      const end = sql.indexOf('\n', index);
      index = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', index)) {
      const end = sql.indexOf('*/', index + 2);
      index = end === -1 ? sql.length : end + 2;
    } else {
      return index;
    }
  }
}

/** Parses a SQL script with PostgreSQL's own parser. */
export function parseSql(sql: string): ParseResult {
  if (!ready) throw new Error('the SQL parser is not loaded: await loadSqlParser() before synthesis');
  try {
    const tree = parseSync(sql);
    // The parser counts UTF-8 bytes; JavaScript strings count UTF-16 units.
    const bytes = Buffer.from(sql);
    const chars = (offset: number) => (bytes.length === sql.length ? offset : bytes.subarray(0, offset).toString('utf8').length);
    const statements = (tree.stmts ?? []).map((raw: any) => {
      const [type] = Object.keys(raw.stmt);
      const start = firstToken(sql, chars(raw.stmt_location ?? 0));
      const end = raw.stmt_len ? chars((raw.stmt_location ?? 0) + raw.stmt_len) : sql.length;
      return { type, node: raw.stmt[type], text: sql.slice(start, end).trim(), ...position(sql, start) };
    });
    const comments = scanSync(sql).tokens
      .filter((token) => token.tokenName === 'SQL_COMMENT')
      .map((token) => ({ text: token.text, ...position(sql, chars(token.start)) }));
    return { ok: true, statements, comments };
  } catch (error) {
    const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    return { ok: false, error: { message: details?.message ?? (error as Error).message, ...position(sql, details?.cursorPosition ?? 0) } };
  }
}
