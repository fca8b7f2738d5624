import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

let loaded: Promise<void> | undefined;
/** The parser in this thread, once loaded. Required only then: a run whose analyses are all cached never loads it. */
let parser: typeof import('libpg-query') | undefined;

/**
 * Loads the PostgreSQL parser (libpg_query compiled to WebAssembly) into this thread once. It is
 * optional: parsing works without it (see `libpgQuery`), only faster after it.
 */
export function loadSqlParser(): Promise<void> {
  if (loaded === undefined) {
    const module = require('libpg-query') as typeof import('libpg-query');
    loaded = module.loadModule().then(() => { parser = module; });
  }
  return loaded;
}

/**
 * The parser in a worker thread, for callers that did not load it: WebAssembly can only be set
 * up asynchronously, and a construct is built synchronously, so the thread blocks on an atomic
 * until the worker answers (the worker loads the module once, then parses on request).
 */
let bridge: { readonly port: MessagePort; readonly signal: Int32Array } | undefined;
const BRIDGE = `
const { workerData } = require('node:worker_threads');
const libpgQuery = require(workerData.module);
const signal = new Int32Array(workerData.signal);
const loading = libpgQuery.loadModule();
workerData.port.on('message', async ({ scan, sql }) => {
  await loading;
  let answer;
  try {
    answer = { value: scan ? libpgQuery.scanSync(sql) : libpgQuery.parseSync(sql) };
  } catch (error) {
    answer = { error: { message: error.message, sqlDetails: error.sqlDetails && { message: error.sqlDetails.message, cursorPosition: error.sqlDetails.cursorPosition } } };
  }
  workerData.port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

function viaWorker<T>(scan: boolean, sql: string): T {
  if (bridge === undefined) {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(BRIDGE, { eval: true, workerData: { module: require.resolve('libpg-query'), signal: signal.buffer, port: port2 }, transferList: [port2] });
    worker.unref();
    port1.unref();
    bridge = { port: port1, signal };
  }
  Atomics.store(bridge.signal, 0, 0);
  bridge.port.postMessage({ scan, sql });
  Atomics.wait(bridge.signal, 0, 0);
  const answer = receiveMessageOnPort(bridge.port)!.message as { value?: T; error?: Error & { sqlDetails?: unknown } };
  if (answer.error) throw Object.assign(new Error(answer.error.message), { sqlDetails: answer.error.sqlDetails });
  return answer.value!;
}

/** libpg_query's parse and scan, in this thread once loaded, through the worker before. */
const libpgQuery = {
  parse: (sql: string): any => (parser ? parser.parseSync(sql) : viaWorker(false, sql)),
  scan: (sql: string): { tokens: { tokenName: string; text: string; start: number; end: number }[] } => (parser ? parser.scanSync(sql) : viaWorker(true, sql)),
};

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

/** The parser counts UTF-8 bytes; JavaScript strings count UTF-16 units. */
function utf16Offsets(sql: string): (offset: number) => number {
  const bytes = Buffer.from(sql);
  return (offset) => (bytes.length === sql.length ? offset : bytes.subarray(0, offset).toString('utf8').length);
}

/** Parses a SQL script with PostgreSQL's own parser. */
export function parseSql(sql: string): ParseResult {
  try {
    const tree = libpgQuery.parse(sql);
    const chars = utf16Offsets(sql);
    const statements = (tree.stmts ?? []).map((raw: any) => {
      const [type] = Object.keys(raw.stmt);
      const start = firstToken(sql, chars(raw.stmt_location ?? 0));
      const end = raw.stmt_len ? chars((raw.stmt_location ?? 0) + raw.stmt_len) : sql.length;
      return { type, node: raw.stmt[type], text: sql.slice(start, end).trim(), ...position(sql, start) };
    });
    const comments = libpgQuery.scan(sql).tokens
      .filter((token) => token.tokenName === 'SQL_COMMENT')
      .map((token) => ({ text: token.text, ...position(sql, chars(token.start)) }));
    return { ok: true, statements, comments };
  } catch (error) {
    const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    return { ok: false, error: { message: details?.message ?? (error as Error).message, ...position(sql, details?.cursorPosition ?? 0) } };
  }
}

/** A string constant of SQL text, as PostgreSQL's lexer finds it in any quoting form. */
export interface SqlStringConstant {
  /** Where the constant's token (quotes and prefix included) starts and ends in the text. */
  readonly start: number;
  readonly end: number;
  /** Its value, decoded by the parser: `E'\\x41'`, `U&'\\0041'` and `$tag$A$tag$` all read `A`. */
  readonly value: string;
  /**
   * The setting or option it is the value of, lowercased: `password` for `PASSWORD '...'` and
   * `OPTIONS (password '...')`, `app.api_token` for `SET app.api_token = '...'`.
   * @default - none: the constant follows no name
   */
  readonly name?: string;
}

/** What the lexer calls a string constant; a Unicode-escaped one (`U&'...'`) has no token name of its own. */
function isStringToken(token: { tokenName: string; text: string }): boolean {
  return token.tokenName === 'SCONST' || /^u&'/i.test(token.text);
}

/** A name token: an identifier or a keyword (PASSWORD, USER...), unquoted and lowercased. */
function nameOf(token: { tokenName: string; text: string } | undefined): string | undefined {
  if (token === undefined || !(token.tokenName === 'IDENT' || /^[A-Za-z_][A-Za-z0-9_$]*$/.test(token.text))) return undefined;
  return token.text.replace(/^"|"$/g, '').toLowerCase();
}

/** The value of a string literal: quotes and dollar tags read here, escapes (`E'..'`, `U&'..'`) by the parser. */
function decode(literal: string): string {
  if (literal.startsWith("'")) return literal.slice(1, -1).replaceAll("''", "'");
  const dollar = /^(\$[A-Za-z_0-9]*\$)([\s\S]*)\1$/.exec(literal);
  if (dollar) return dollar[2];
  try {
    const tree: any = libpgQuery.parse(`SELECT ${literal}`);
    const value = tree.stmts[0].stmt.SelectStmt.targetList[0].ResTarget.val.A_Const?.sval?.sval;
    return typeof value === 'string' ? value : literal;
  } catch {
    return literal;
  }
}

/**
 * Every string constant of SQL text, with the name it is the value of, found by PostgreSQL's own
 * lexer (never by regular expressions over the text); `undefined` when the lexer refuses the text
 * (an unterminated quote: not SQL).
 */
export function sqlStringConstants(sql: string): SqlStringConstant[] | undefined {
  let tokens: { tokenName: string; text: string; start: number; end: number }[];
  try {
    tokens = libpgQuery.scan(sql).tokens.filter((token) => token.tokenName !== 'SQL_COMMENT' && token.tokenName !== 'C_COMMENT');
  } catch {
    return undefined;
  }
  const chars = utf16Offsets(sql);
  return tokens.flatMap((token, index) => {
    if (!isStringToken(token)) return [];
    // `name 'value'`, `name = 'value'`, `name TO 'value'`; a dotted name is read whole.
    let at = index - 1;
    if (tokens[at]?.text === '=' || tokens[at]?.text.toUpperCase() === 'TO') at -= 1;
    const parts: string[] = [];
    for (let part = nameOf(tokens[at]); part !== undefined; part = nameOf(tokens[at])) {
      parts.unshift(part);
      if (tokens[at - 1]?.text !== '.') break;
      at -= 2;
    }
    const name = parts.length > 0 ? parts.join('.') : undefined;
    return [{ start: chars(token.start), end: chars(token.end), value: decode(token.text), ...(name !== undefined && { name }) }];
  });
}
