import { cachedResult } from '../result-cache';
import { sha256Of } from '../values/sha256';
import { MINIMUM_REASON_LENGTH } from '../values/reason';
import { blocksWrites, classifyStatement, LockMode, StatementClass, StatementFacts, strongerLock, TableEffect } from './classify';
import { ParsedStatement, parseSql, SqlComment, SqlSyntaxError } from './sql-parser';

/** A table effect within the file: whether the table existed before the migration. */
export interface AnalyzedTableEffect extends TableEffect {
  /** False when an earlier statement of the same file created the table (nobody uses it yet). */
  readonly existing: boolean;
}

/** A lock that stops writes, taken by an earlier statement and still held. */
export interface HeldLock {
  readonly table: string;
  readonly mode: LockMode;
  /** Line of the statement that took it. */
  readonly line: number;
  readonly description: string;
}

export interface AnalyzedStatement extends StatementFacts {
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly tables: readonly AnalyzedTableEffect[];
  /** Write-blocking locks on existing tables that earlier statements of the same transaction still hold. */
  readonly heldLocks: readonly HeldLock[];
  /** For a statement the analysis does not classify: the class a directive declares, and why. */
  readonly declared?: { readonly class: StatementClass; readonly reason: string };
  /** A directive on a statement the analysis classifies itself (it is ignored): the directive's text. */
  readonly ignoredDeclaration?: string;
  /** An enum value added earlier in the same transaction that this statement uses: PostgreSQL refuses it. */
  readonly usesNewEnumValue?: { readonly value: string; readonly line: number };
}

/** What the PostgreSQL parser and the classifier make of one SQL file. */
export interface SqlAnalysis {
  /** `sha256:<hex>` of the file's bytes: the identity of "the same SQL". */
  readonly sha256: string;
  readonly statements: readonly AnalyzedStatement[];
  /** Set when the file does not parse (or a directive is malformed); `statements` is then empty. */
  readonly syntaxError?: SqlSyntaxError;
  /** Whether the runner applies the whole file in one transaction. */
  readonly transactional: boolean;
  /** The reason given by a `no-transaction` directive, when the file has one. */
  readonly noTransaction?: string;
}

/** `-- cnpg-gitops: <what> because <reason>`: what the author declares about the file or the next statement. */
const DIRECTIVE = /^--\s*cnpg-gitops:/;
const DIRECTIVE_FORM = /^--\s*cnpg-gitops:\s*(no-transaction|expand|narrow|data|contract|neutral)\s+because\s+(.+?)\s*$/;
export const DIRECTIVE_EXAMPLE = '-- cnpg-gitops: expand because <why, at least 10 characters>';

export function sqlSha256(sql: string): string {
  return `sha256:${sha256Of(sql)}`;
}

interface Directive { readonly what: string; readonly reason: string; readonly comment: SqlComment }

function directives(comments: readonly SqlComment[]): Directive[] | SqlSyntaxError {
  const found: Directive[] = [];
  for (const comment of comments.filter((candidate) => DIRECTIVE.test(candidate.text))) {
    const match = DIRECTIVE_FORM.exec(comment.text);
    if (!match || match[2].length < MINIMUM_REASON_LENGTH) {
      return {
        message: `malformed directive "${comment.text}": write "-- cnpg-gitops: no-transaction because <reason>" or "${DIRECTIVE_EXAMPLE}" (a class: expand, narrow, data, contract, neutral; a reason of at least ${MINIMUM_REASON_LENGTH} characters)`,
        line: comment.line,
        column: comment.column,
      };
    }
    found.push({ what: match[1], reason: match[2], comment });
  }
  return found;
}

const after = (statement: { line: number; column: number }, comment: SqlComment) => statement.line > comment.line || (statement.line === comment.line && statement.column > comment.column);

/** The facts of each statement, corrected for what earlier statements of the same file did. */
function inFileContext(parsed: readonly ParsedStatement[], classified: readonly StatementFacts[], declarations: readonly Directive[], transactional: boolean): AnalyzedStatement[] {
  const created = new Set<string>();
  const addedColumns = new Set<string>();
  const provenNotNull = new Set<string>();
  const pendingNotNullChecks = new Map<string, string>();
  const held = new Map<string, HeldLock>();
  const newEnumValues = new Map<string, number>();
  const createdEnums = new Set<string>();
  const result: AnalyzedStatement[] = [];
  parsed.forEach((statement, index) => {
    const facts = classified[index];
    const previous = parsed[index - 1];
    const declaration = declarations.find((directive) => directive.what !== 'no-transaction' && after(statement, directive.comment) && (!previous || !after(previous, directive.comment)));
    for (const column of facts.addsColumns ?? []) addedColumns.add(column);
    const tables = facts.tables.map((effect) => {
      const existing = !created.has(effect.table);
      const proven = facts.setsNotNull !== undefined && provenNotNull.has(facts.setsNotNull);
      return { ...effect, existing, ...(proven && effect.pass?.kind === 'not-null-scan' && { pass: undefined }) };
    });
    // A constraint only on columns this file adds, or a statement only on tables it creates, changes nothing the previous release uses.
    const newColumns = (facts.narrows ?? []).length > 0 && facts.narrows!.every((column) => addedColumns.has(column) || created.has(column.slice(0, column.lastIndexOf('.'))));
    const newTables = tables.length > 0 && tables.every((effect) => !effect.existing);
    const newOnly = ['narrow', 'contract'].includes(facts.class) && (newColumns || newTables);
    const enumValue = [...newEnumValues].find(([value]) => JSON.stringify(statement.node).includes(JSON.stringify({ sval: value })));
    result.push({
      ...facts,
      class: facts.class === 'unknown' && declaration ? declaration.what as StatementClass : newOnly ? 'expand' : facts.class,
      destructive: facts.destructive && !newTables,
      tables,
      text: statement.text,
      line: statement.line,
      column: statement.column,
      heldLocks: [...held.values()],
      ...(declaration && (facts.class === 'unknown' ? { declared: { class: declaration.what as StatementClass, reason: declaration.reason } } : { ignoredDeclaration: declaration.comment.text })),
      ...(enumValue && { usesNewEnumValue: { value: enumValue[0], line: enumValue[1] } }),
    });
    for (const table of facts.creates ?? []) created.add(table);
    if (facts.notNullCheck?.validated) provenNotNull.add(facts.notNullCheck.column);
    else if (facts.notNullCheck) pendingNotNullChecks.set(facts.notNullCheck.name, facts.notNullCheck.column);
    if (facts.validates && pendingNotNullChecks.has(facts.validates)) provenNotNull.add(pendingNotNullChecks.get(facts.validates)!);
    if (!transactional) return;
    if (facts.createsEnum) createdEnums.add(facts.createsEnum);
    // PostgreSQL allows using the value at once only when the enum itself is new in this transaction.
    if (facts.addsEnumValue && !createdEnums.has(facts.addsEnumValue.type)) newEnumValues.set(facts.addsEnumValue.value, statement.line);
    for (const effect of tables.filter((candidate) => candidate.existing && blocksWrites(candidate.lock))) {
      const before = held.get(effect.table);
      held.set(effect.table, before && strongerLock(before.mode, effect.lock) === before.mode ? before : { table: effect.table, mode: effect.lock, line: statement.line, description: facts.description });
    }
  });
  return result;
}

/** Parses and analyses a SQL file once per distinct content, however many environments apply it (and across runs: src/result-cache.ts). */
export function analyzeSql(sql: string): SqlAnalysis {
  return cachedResult('sql-analysis', sql, analyze);
}

function analyze(sql: string): SqlAnalysis {
  const sha256 = sqlSha256(sql);
  const parsed = parseSql(sql);
  const found = parsed.ok ? directives(parsed.comments) : [];
  const syntaxError = !parsed.ok ? parsed.error : Array.isArray(found) ? undefined : found;
  const declarations = Array.isArray(found) ? found : [];
  const noTransaction = declarations.find((directive) => directive.what === 'no-transaction')?.reason;
  const classified = parsed.ok ? parsed.statements.map(classifyStatement) : [];
  const transactional = noTransaction === undefined && classified.every((facts) => facts.transactional);
  const analysis: SqlAnalysis = {
    sha256,
    statements: parsed.ok && !syntaxError ? inFileContext(parsed.statements, classified, declarations, transactional) : [],
    syntaxError,
    transactional,
    ...(noTransaction !== undefined && { noTransaction }),
  };
  return analysis;
}
