import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Expression, Node, SourceFile } from 'typescript/unstable/ast';

/** A place in a file of the repository, 1-based, as compilers and CI annotations name it. */
export interface SourcePosition {
  /** Relative to the repository root, e.g. `src/config/production.ts`. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A config field as messages name it: `src/config/production.ts` and `databases[2].migrations.applied[0]`. */
export interface FieldReference {
  readonly file: string;
  readonly field: string;
}

/**
 * The segments of a field path: `databases[2].migrations.applied[0]` is
 * `['databases', 2, 'migrations', 'applied', 0]`.
 */
export function fieldSegments(field: string): (string | number)[] {
  return field.split('.').flatMap((part) => {
    const [name, ...indexes] = part.split('[');
    return [...(name === '' ? [] : [name]), ...indexes.map((index) => Number(index.replace(']', '')))];
  });
}

type Ast = typeof import('typescript/unstable/ast');

/**
 * Where each field is written in its TypeScript config file, read with the TypeScript compiler's
 * own parser (the native compiler of the `typescript` devDependency, through its API). A field
 * that is not written (a required field left out) is placed at the nearest enclosing field that
 * is, e.g. `backup` for a missing `backup.retentionPolicy`; a file that does not exist at line 1.
 * Paths follow constants of the same file (`databases: [billing]`), list elements by index, and
 * catalog entries by id (`0005-drop-email.sql` in `src/config/migrations.ts`).
 */
export function locateFields(repoRoot: string, fields: readonly FieldReference[]): SourcePosition[] {
  const root = resolve(repoRoot);
  const files = [...new Set(fields.map((field) => field.file))].filter((file) => existsSync(join(root, file)));
  const sources = files.length === 0 ? new Map<string, SourceFile>() : parse(root, files);
  const ast: Ast = require('typescript/unstable/ast');
  return fields.map(({ file, field }) => {
    const source = sources.get(file);
    const node = source && locate(ast, source, fieldSegments(field));
    if (!source || !node) return { file, line: 1, column: 1 };
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return { file, line: line + 1, column: character + 1 };
  });
}

/** Parses the files alone (no imports, no libraries), so it takes milliseconds, not the project's second. */
function parse(root: string, files: readonly string[]): Map<string, SourceFile> {
  const { API } = require('typescript/unstable/sync') as typeof import('typescript/unstable/sync');
  const project = join(root, '.cnpg-gitops-locate.tsconfig.json');
  const tsconfig = JSON.stringify({ compilerOptions: { noResolve: true, noLib: true, types: [] }, files });
  const api = new API({
    cwd: root,
    tsserverPath: nativeCompiler(),
    fs: {
      readFile: (name) => (name === project ? tsconfig : undefined),
      fileExists: (name) => (name === project ? true : undefined),
    },
  });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [project] });
    const program = snapshot.getProject(project)!.program;
    return new Map(files.map((file) => [file, program.getSourceFile(join(root, file))!]));
  } finally {
    api.close();
  }
}

/** The compiler binary of the typescript package's platform package, which its API runs. */
function nativeCompiler(): string {
  const manifest = require.resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`);
  return join(dirname(manifest), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
}

/** The config's exported literal: the environment object, or the list of migrations or environments. */
function exportedLiteral(ast: Ast, source: SourceFile): Node | undefined {
  for (const statement of source.statements) {
    if (!ast.isVariableStatement(statement) || !statement.modifiers?.some((modifier) => modifier.kind === ast.SyntaxKind.ExportKeyword)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const value = declaration.initializer && valueOf(ast, source, declaration.initializer);
      if (value && (ast.isObjectLiteralExpression(value) || ast.isArrayLiteralExpression(value))) return value;
    }
  }
  return undefined;
}

/** An expression without `as`, `satisfies` and parentheses, and a constant of the same file by its value. */
function valueOf(ast: Ast, source: SourceFile, expression: Expression): Expression {
  let value = expression;
  for (;;) {
    if (ast.isAsExpression(value) || ast.isSatisfiesExpression(value) || ast.isParenthesizedExpression(value)) value = value.expression;
    else if (ast.isIdentifier(value)) {
      const constant = constantNamed(ast, source, value.text);
      if (!constant) return value;
      value = constant;
    } else return value;
  }
}

function constantNamed(ast: Ast, source: SourceFile, name: string): Expression | undefined {
  for (const statement of source.statements) {
    if (!ast.isVariableStatement(statement)) continue;
    const declaration = statement.declarationList.declarations.find((candidate) => ast.isIdentifier(candidate.name) && candidate.name.text === name);
    if (declaration?.initializer) return declaration.initializer;
  }
  return undefined;
}

function propertyName(ast: Ast, node: Node): string | undefined {
  if (!ast.isPropertyAssignment(node) && !ast.isShorthandPropertyAssignment(node)) return undefined;
  const name = node.name;
  return ast.isIdentifier(name) || ast.isStringLiteral(name) || ast.isNumericLiteral(name) ? name.text : undefined;
}

/** The `id` of a catalog entry written as an object literal. */
function idOf(ast: Ast, source: SourceFile, element: Expression): string | undefined {
  const value = valueOf(ast, source, element);
  const property = ast.isObjectLiteralExpression(value) ? value.properties.find((candidate) => propertyName(ast, candidate) === 'id') : undefined;
  const id = property && ast.isPropertyAssignment(property) ? valueOf(ast, source, property.initializer) : undefined;
  return id && ast.isStringLiteral(id) ? id.text : undefined;
}

/** The node the field is written at, or the nearest enclosing one that is. */
function locate(ast: Ast, source: SourceFile, segments: readonly (string | number)[]): Node | undefined {
  let container = exportedLiteral(ast, source);
  if (!container) return undefined;
  // `migrations[3]` and `environments[0]` name the exported list itself.
  const path = ast.isArrayLiteralExpression(container) && typeof segments[0] === 'string' && typeof segments[1] === 'number' ? segments.slice(1) : [...segments];
  let found: Node | undefined;
  for (let index = 0; index < path.length; index += 1) {
    const segment = path[index];
    let next: { at: Node; value: Expression | undefined } | undefined;
    if (ast.isArrayLiteralExpression(container)) {
      const elements = container.elements;
      const element = typeof segment === 'number'
        ? (elements.some((candidate) => ast.isSpreadElement(candidate)) ? undefined : elements[segment])
        : elements.find((candidate) => idOf(ast, source, candidate) === segment);
      if (element) next = { at: element, value: element };
    } else if (ast.isObjectLiteralExpression(container) && typeof segment === 'string') {
      // Keys may hold dots (`postgresqlParameters` such as "pg_stat_statements.max"): the longest written key wins.
      for (let end = path.length; end > index && !next; end -= 1) {
        const key = path.slice(index, end).join('.');
        const property = container.properties.find((candidate) => propertyName(ast, candidate) === key);
        if (property) {
          next = { at: property, value: ast.isPropertyAssignment(property) ? property.initializer : ast.isShorthandPropertyAssignment(property) && ast.isIdentifier(property.name) ? property.name : undefined };
          index = end - 1;
        }
      }
    }
    if (!next) break;
    found = next.at;
    if (!next.value) break;
    container = valueOf(ast, source, next.value);
  }
  return found;
}
