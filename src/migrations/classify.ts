import { ParsedStatement } from './sql-parser';
import { disablesTimeout } from '../values/pg-duration';

/**
 * What a statement does to the previous release of the application, which keeps running
 * against the new schema during a rolling deploy:
 * - `expand`: adds something; the previous release keeps working.
 * - `narrow`: adds a constraint (CHECK, foreign key, unique, NOT NULL) on what already exists:
 *   the previous release keeps working as long as it never writes a value the constraint rejects.
 * - `data`: reads or writes rows (backfills).
 * - `contract`: removes or changes something the previous release may still use.
 * - `neutral`: session settings, comments, maintenance.
 * - `transaction-control`: BEGIN/COMMIT/ROLLBACK, which the runner owns.
 * - `unknown`: not analysed (a DO block, an unrecognised command): declare it (see analysis.ts).
 */
export type StatementClass = 'expand' | 'narrow' | 'data' | 'contract' | 'neutral' | 'transaction-control' | 'unknown';

/** PostgreSQL's table lock modes, weakest first. */
export const LOCK_MODES = ['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** Whether a lock stops other sessions from writing the table (SHARE and stronger). */
export function blocksWrites(mode: LockMode): boolean {
  return LOCK_MODES.indexOf(mode) >= LOCK_MODES.indexOf('SHARE');
}

export function strongerLock(a: LockMode, b: LockMode): LockMode {
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

/** Why a statement reads or rewrites every row of a table. */
export type PassKind =
  | 'index-build' // CREATE INDEX without CONCURRENTLY
  | 'unique-constraint' // ADD UNIQUE / PRIMARY KEY / EXCLUDE builds its index
  | 'check-validation' // ADD CHECK (or a domain constraint) validated at once
  | 'foreign-key-validation' // ADD FOREIGN KEY validated at once
  | 'not-null-scan' // SET NOT NULL without a validated CHECK (column IS NOT NULL)
  | 'column-rewrite' // ADD COLUMN with a volatile default, an identity, a stored generated value
  | 'table-rewrite' // ALTER TABLE: type change, SET TABLESPACE, SET LOGGED/UNLOGGED
  | 'maintenance-rewrite' // VACUUM FULL, CLUSTER, REINDEX, REFRESH MATERIALIZED VIEW
  | 'partition-scan' // ATTACH PARTITION, PARTITION OF next to a default partition
  | 'all-rows' // UPDATE/DELETE with no batch bound
  | 'validation' // VALIDATE CONSTRAINT: a scan that lets writes continue, unless a lock is already held
  | 'query'; // a SELECT that reads a whole table, likewise

export interface TablePass {
  readonly kind: PassKind;
  /** Whether the table (and its indexes) get new files: a rewrite, always under ACCESS EXCLUSIVE. */
  readonly rewrites: boolean;
  /** What causes the pass, in a few words. */
  readonly cause: string;
}

/** What a statement does to one table it touches. */
export interface TableEffect {
  /** The table as written (`schema.name` or `name`); a domain's tables are `domain <name>`. */
  readonly table: string;
  /** The strongest lock the statement takes on it. */
  readonly lock: LockMode;
  /** Set when the statement reads or rewrites every row. */
  readonly pass?: TablePass;
}

/** Facts about one statement, read from its parse tree; guardrails turn them into findings. */
export interface StatementFacts {
  readonly class: StatementClass;
  /** What the statement does, in a few words (for contracts: what the previous release loses). */
  readonly description: string;
  /** Whether it destroys data that only a backup can bring back. */
  readonly destructive: boolean;
  /** Whether it can run inside a transaction block. */
  readonly transactional: boolean;
  /** Set when it only works inside a transaction block (LOCK TABLE fails outside one, SET LOCAL does nothing). */
  readonly needsTransaction?: true;
  readonly tables: readonly TableEffect[];
  /** Relations the statement creates (tables, views, materialized views). */
  readonly creates?: readonly string[];
  /** Columns the statement adds, as `table.column`. */
  readonly addsColumns?: readonly string[];
  /**
   * Relations (as in `creates`) whose names the previous release loses: dropped, renamed or moved
   * to another schema; `<schema>.*` for every relation of a schema dropped with CASCADE.
   */
  readonly removes?: readonly string[];
  /** Columns, as `table.column`, that the previous release loses: dropped or renamed. */
  readonly removesColumns?: readonly string[];
  /** For `narrow`: the constrained columns as `table.column` (`table.*`: unknown columns). */
  readonly narrows?: readonly string[];
  /** A CHECK (column IS NOT NULL) this statement adds: its name, column and whether validated. */
  readonly notNullCheck?: { readonly name: string; readonly column: string; readonly validated: boolean };
  /** The constraint a VALIDATE CONSTRAINT validates. */
  readonly validates?: string;
  /** The column a SET NOT NULL applies to, as `table.column`. */
  readonly setsNotNull?: string;
  /** A lock or statement timeout set to 0 (wait forever). */
  readonly disablesTimeout?: string;
  /** An enum value this statement adds: it cannot be used before the transaction commits. */
  readonly addsEnumValue?: { readonly type: string; readonly value: string };
  /** The enum type this statement creates (values added to it may be used at once). */
  readonly createsEnum?: string;
}

/** Functions whose value is the same for every row of one statement: a default using them is evaluated once. */
const NON_VOLATILE_FUNCTIONS = new Set([
  'now', 'statement_timestamp', 'transaction_timestamp', 'current_setting', 'lower', 'upper', 'btrim', 'trim', 'concat', 'length',
  'to_char', 'to_timestamp', 'to_date', 'date_trunc', 'make_interval', 'make_date', 'jsonb_build_object', 'json_build_object',
  'jsonb_build_array', 'array_length', 'coalesce', 'md5', 'abs', 'round', 'greatest', 'least', 'nullif', 'replace', 'substr',
]);
/**
 * Types a column changes to without a rewrite or a change of its values from their narrower
 * relatives: varchar(n) to text or to a longer varchar, numeric(p,s) to numeric or to more digits.
 * The migration does not name the old type, so the analysis assumes that usual case; from an
 * unrelated type (integer to text), or to a shorter limit, PostgreSQL rewrites the table.
 */
const RELABEL_TYPES = new Set(['text', 'varchar', 'numeric', 'citext']);
/** Types a column widens to (int → bigint, real → double precision): values stay, the table is rewritten. */
const WIDENING_TYPES = new Set(['int8', 'float8', 'timestamptz', 'jsonb']);
const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2']);
/** Dropping these loses rows, not just a definition. */
const DATA_OBJECTS = new Set(['OBJECT_TABLE', 'OBJECT_SCHEMA', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);
/** What `creates` records: renaming one or moving it to another schema removes the name the previous release uses. */
const RELATION_NAMES = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW']);
/** Renaming these changes nothing the application names in its queries. */
const INTERNAL_NAMES = new Set(['OBJECT_INDEX', 'OBJECT_TABCONSTRAINT', 'OBJECT_DOMCONSTRAINT', 'OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE', 'OBJECT_STATISTIC_EXT']);
/** LockStmt.mode is PostgreSQL's lock number, 1 (ACCESS SHARE) to 8 (ACCESS EXCLUSIVE). */
const lockByNumber = (mode: number): LockMode => LOCK_MODES[Math.min(Math.max(mode, 1), 8) - 1];

const names = (list: any[] | undefined): string[] => (list ?? []).map((item) => item.String?.sval).filter(Boolean);
const relation = (node: any): string => [node?.schemaname, node?.relname].filter(Boolean).join('.');
const lowerName = (typeName: any): string => names(typeName?.names).at(-1) ?? '';
const words = (type: string): string => type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
const objectType = (type: unknown): string => String(type).replace('OBJECT_', '').toLowerCase().replace('tabconstraint', 'constraint');

function make(cls: StatementClass, description: string, extra: Partial<StatementFacts> = {}): StatementFacts {
  return { class: cls, description, destructive: false, transactional: true, tables: [], ...extra };
}

const on = (table: string, lock: LockMode, pass?: TablePass): TableEffect => ({ table, lock, ...(pass && { pass }) });
const pass = (kind: PassKind, cause: string, rewrites = false): TablePass => ({ kind, cause, rewrites });

/** Every node of a parse tree with the given key, depth first. */
function nodesOf(tree: unknown, key: string): any[] {
  const found: any[] = [];
  JSON.stringify(tree, (name, value) => {
    if (name === key) found.push(value);
    return value;
  });
  return found;
}

/** A function in a default that PostgreSQL must evaluate per row (volatile, or unknown and so volatile). */
function volatileCall(expression: any): string | undefined {
  if (nodesOf(expression, 'SubLink').length > 0) return 'a subquery';
  return nodesOf(expression, 'FuncCall').map((call) => names(call.funcname).at(-1)!).find((name) => !NON_VOLATILE_FUNCTIONS.has(name));
}

/** Whether a WHERE clause bounds the rows to a batch: a key equality, an IN list, a range, a LIMIT subquery. */
function boundedWhere(where: any): boolean {
  if (!where) return false;
  if (nodesOf(where, 'SubLink').some((link) => link.subselect?.SelectStmt?.limitCount)) return true;
  return nodesOf(where, 'A_Expr').some((expr) => {
    const constant = (side: any) => side?.A_Const !== undefined || side?.TypeCast?.arg?.A_Const !== undefined || side?.ParamRef !== undefined;
    if (expr.kind === 'AEXPR_IN' || expr.kind === 'AEXPR_BETWEEN') return expr.lexpr?.ColumnRef !== undefined;
    return expr.kind === 'AEXPR_OP' && names(expr.name)[0] === '=' && ((expr.lexpr?.ColumnRef && constant(expr.rexpr)) || (expr.rexpr?.ColumnRef && constant(expr.lexpr)));
  });
}

/** The tables a query reads in full (no bounding WHERE), under ACCESS SHARE. */
function queryReads(select: any): TableEffect[] {
  if (!select) return [];
  if (select.larg || select.rarg) return [...queryReads(select.larg), ...queryReads(select.rarg)];
  const full = !boundedWhere(select.whereClause);
  return nodesOf(select.fromClause ?? [], 'RangeVar').map((range) => on(relation(range), 'ACCESS SHARE', full ? pass('query', `reads ${relation(range)}`) : undefined));
}

function columnConstraints(column: any): any[] {
  return (column.constraints ?? []).map((c: any) => c.Constraint).filter(Boolean);
}

function addColumn(table: string, column: any): StatementFacts {
  const constraints = columnConstraints(column);
  const has = (type: string) => constraints.some((c) => c.contype === type);
  const defaultConstraint = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
  const generated = constraints.find((c) => c.contype === 'CONSTR_GENERATED');
  const name = `${table}.${column.colname}`;
  const rewriteCause = SERIAL_TYPES.has(lowerName(column.typeName)) ? 'a serial sequence'
    : has('CONSTR_IDENTITY') ? 'an identity'
      : generated && generated.generated_kind !== 'v' ? 'a stored generated value'
        : defaultConstraint && volatileCall(defaultConstraint.raw_expr) && `the volatile default ${volatileCall(defaultConstraint.raw_expr)}()`;
  const tables = [on(table, 'ACCESS EXCLUSIVE', rewriteCause ? pass('column-rewrite', `column ${column.colname} gets ${rewriteCause}`, true) : undefined)];
  // Without a rewrite, a CHECK is still checked and a UNIQUE or PRIMARY KEY index still built over every row.
  if (!rewriteCause && has('CONSTR_CHECK')) tables.push(on(table, 'ACCESS EXCLUSIVE', pass('check-validation', `the CHECK of column ${column.colname} is validated at once`)));
  if (!rewriteCause && (has('CONSTR_UNIQUE') || has('CONSTR_PRIMARY'))) tables.push(on(table, 'ACCESS EXCLUSIVE', pass('unique-constraint', `column ${column.colname} builds its unique index`)));
  if (has('CONSTR_FOREIGN')) {
    const reference = constraints.find((c) => c.contype === 'CONSTR_FOREIGN');
    tables.push(on(relation(reference.pktable), 'SHARE ROW EXCLUSIVE'));
  }
  const valueFree = defaultConstraint || generated || has('CONSTR_IDENTITY') || SERIAL_TYPES.has(lowerName(column.typeName));
  if ((has('CONSTR_NOTNULL') || has('CONSTR_PRIMARY')) && !valueFree) {
    return make('contract', `add required column ${name} (NOT NULL without default): inserts of the previous release fail`, { tables, addsColumns: [name] });
  }
  return make('expand', `add column ${name}`, { tables, addsColumns: [name] });
}

/** The columns an expression refers to. */
function referencedColumns(expression: unknown): string[] {
  return nodesOf(expression, 'ColumnRef').map((ref) => names(ref.fields).at(-1)!).filter(Boolean);
}

function addConstraint(table: string, constraint: any): StatementFacts {
  const name = constraint.conname ? ` ${constraint.conname}` : '';
  const validated = constraint.skip_validation !== true;
  const columns = (list: string[]) => (list.length > 0 ? list : ['*']).map((column) => `${table}.${column}`);
  switch (constraint.contype) {
    case 'CONSTR_FOREIGN': {
      const referenced = relation(constraint.pktable);
      return make('narrow', `add foreign key${name} on ${table}`, {
        tables: [
          on(table, 'SHARE ROW EXCLUSIVE', validated ? pass('foreign-key-validation', `foreign key${name} is validated at once`) : undefined),
          on(referenced, 'SHARE ROW EXCLUSIVE'),
        ],
        narrows: columns(names(constraint.fk_attrs)),
      });
    }
    case 'CONSTR_CHECK': {
      const nullTest = constraint.raw_expr?.NullTest;
      const notNullColumn = nullTest?.nulltesttype === 'IS_NOT_NULL' ? names(nullTest.arg?.ColumnRef?.fields).at(-1) : undefined;
      // NULL is what an insert that omits the column writes: rejecting it breaks such inserts.
      const cls = notNullColumn ? 'contract' : 'narrow';
      return make(cls, `add check constraint${name} on ${table}${notNullColumn ? `: inserts of the previous release that omit ${notNullColumn} fail` : ''}`, {
        tables: [on(table, 'ACCESS EXCLUSIVE', validated ? pass('check-validation', `check constraint${name} is validated at once`) : undefined)],
        narrows: columns(referencedColumns(constraint.raw_expr)),
        ...(notNullColumn && constraint.conname && { notNullCheck: { name: constraint.conname, column: `${table}.${notNullColumn}`, validated } }),
      });
    }
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY':
    case 'CONSTR_EXCLUSION': {
      const kind = constraint.contype.slice(7).toLowerCase();
      const keys = [...names(constraint.keys), ...nodesOf(constraint.exclusions ?? [], 'IndexElem').map((elem) => elem.name).filter(Boolean)];
      return make('narrow', `add ${kind} constraint${name} on ${table}`, {
        tables: [on(table, 'ACCESS EXCLUSIVE', constraint.indexname ? undefined : pass('unique-constraint', `${kind} constraint${name} builds its index`))],
        narrows: columns(keys),
      });
    }
    default:
      return make('narrow', `add constraint${name} on ${table}`, { tables: [on(table, 'ACCESS EXCLUSIVE')], narrows: columns([]) });
  }
}

function alterColumnType(table: string, column: string, typeName: any, using: unknown): StatementFacts {
  const target = lowerName(typeName);
  const typmods = (typeName?.typmods ?? []).length > 0;
  const described = `${target}${typmods ? '(...)' : ''}`;
  if (!using && RELABEL_TYPES.has(target)) {
    return make('expand', `change type of ${table}.${column} to ${described} (no rewrite from a narrower ${target})`, { tables: [on(table, 'ACCESS EXCLUSIVE')] });
  }
  const rewrite = pass('table-rewrite', `type of ${column} changes to ${described}`, true);
  if (!using && WIDENING_TYPES.has(target)) {
    return make('expand', `widen type of ${table}.${column} to ${described}`, { tables: [on(table, 'ACCESS EXCLUSIVE', rewrite)] });
  }
  return make('contract', `change type of ${table}.${column} to ${described}: the previous release reads and writes other values`, {
    destructive: true,
    tables: [on(table, 'ACCESS EXCLUSIVE', rewrite)],
  });
}

function alterTableCommand(table: string, command: any): StatementFacts {
  const column = command.name;
  const locked = (lock: LockMode, tablePass?: TablePass) => [on(table, lock, tablePass)];
  switch (command.subtype) {
    case 'AT_AddColumn':
      return addColumn(table, command.def.ColumnDef);
    case 'AT_DropColumn':
      return make('contract', `drop column ${table}.${column}`, { destructive: true, tables: locked('ACCESS EXCLUSIVE'), removesColumns: [`${table}.${column}`] });
    case 'AT_AlterColumnType':
      return alterColumnType(table, column, command.def?.ColumnDef?.typeName, command.def?.ColumnDef?.raw_default);
    case 'AT_SetNotNull':
      return make('contract', `set ${table}.${column} NOT NULL: inserts of the previous release that omit it fail`, {
        tables: locked('ACCESS EXCLUSIVE', pass('not-null-scan', `SET NOT NULL on ${column} checks every row`)),
        narrows: [`${table}.${column}`],
        setsNotNull: `${table}.${column}`,
      });
    case 'AT_DropNotNull':
      return make('expand', `allow NULL in ${table}.${column}`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_ColumnDefault':
      return command.def
        ? make('expand', `set default of ${table}.${column}`, { tables: locked('ACCESS EXCLUSIVE') })
        : make('contract', `drop default of ${table}.${column}: inserts of the previous release that rely on it change`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_AddConstraint':
      return addConstraint(table, command.def.Constraint);
    case 'AT_ValidateConstraint':
      return make('neutral', `validate constraint ${column} on ${table}`, { tables: locked('SHARE UPDATE EXCLUSIVE', pass('validation', `VALIDATE CONSTRAINT ${column} reads every row`)), validates: column });
    case 'AT_DropConstraint':
      return make('contract', `drop constraint ${column} on ${table}: the previous release may rely on it (ON CONFLICT, cascades)`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_AttachPartition': {
      const partition = relation(command.def?.PartitionCmd?.name);
      return make('expand', `attach partition ${partition} to ${table}`, {
        tables: [
          on(table, 'SHARE UPDATE EXCLUSIVE', pass('partition-scan', `a default partition of ${table}, if any, is checked for rows of ${partition}`)),
          on(partition, 'ACCESS EXCLUSIVE', pass('partition-scan', `ATTACH PARTITION checks every row of ${partition} against its bound`)),
        ],
      });
    }
    case 'AT_DetachPartition': {
      const concurrent = command.def?.PartitionCmd?.concurrent === true;
      const partition = relation(command.def?.PartitionCmd?.name);
      return make('contract', `detach partition ${partition} from ${table}: its rows leave ${table}`, {
        transactional: !concurrent,
        tables: [on(table, concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE'), on(partition, concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE')],
      });
    }
    case 'AT_SetTableSpace':
      return make('neutral', `move ${table} to tablespace ${column}`, { tables: locked('ACCESS EXCLUSIVE', pass('table-rewrite', `SET TABLESPACE copies ${table}`, true)) });
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
      return make('neutral', `set ${table} ${command.subtype === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED'}`, {
        tables: locked('ACCESS EXCLUSIVE', pass('table-rewrite', `${command.subtype === 'AT_SetLogged' ? 'SET LOGGED' : 'SET UNLOGGED'} rewrites ${table}`, true)),
      });
    case 'AT_AddIdentity':
      return make('expand', `add identity to ${table}.${column}`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_DropIdentity':
      return make('contract', `drop identity of ${table}.${column}: inserts of the previous release that rely on it fail`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_AddInherit':
      return make('expand', `inherit on ${table}`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_DropInherit':
      return make('contract', `no inherit on ${table}`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_EnableTrigAll':
    case 'AT_EnableTrigUser':
      return make('expand', `enable trigger ${column ?? ''} on ${table}`.replace('  ', ' '), { tables: locked('SHARE ROW EXCLUSIVE') });
    case 'AT_DisableTrig':
    case 'AT_DisableTrigAll':
    case 'AT_DisableTrigUser':
      return make('contract', `disable trigger ${column ?? ''} on ${table}: writes of the previous release no longer fire it`.replace('  ', ' '), { tables: locked('SHARE ROW EXCLUSIVE') });
    case 'AT_EnableRowSecurity':
    case 'AT_NoForceRowSecurity':
      return make('expand', `${command.subtype === 'AT_EnableRowSecurity' ? 'enable' : 'no force'} row level security on ${table} (the owner is not subject to it)`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_ForceRowSecurity':
      return make('contract', `force row level security on ${table}: the owner, which the application connects as, loses rows no policy grants`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_DisableRowSecurity':
      return make('expand', `disable row level security on ${table}`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_ChangeOwner':
      return make('contract', `change owner of ${table} to ${command.newowner?.rolename}: the previous release may lose its privileges`, { tables: locked('ACCESS EXCLUSIVE') });
    case 'AT_SetStatistics':
    case 'AT_ClusterOn':
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
      return make('neutral', `${words(command.subtype.slice(3))} on ${table}`, { tables: locked('SHARE UPDATE EXCLUSIVE') });
    case 'AT_SetStorage':
    case 'AT_SetCompression':
    case 'AT_ReplicaIdentity':
      return make('neutral', `${words(command.subtype.slice(3))} on ${table}`, { tables: locked('ACCESS EXCLUSIVE') });
    default:
      return make('unknown', `ALTER TABLE ${table} ${command.subtype.slice(3)} is not analysed`, { tables: locked('ACCESS EXCLUSIVE') });
  }
}

/** Combines the facts of the commands of one ALTER TABLE. */
function combine(parts: StatementFacts[]): StatementFacts {
  const order: StatementClass[] = ['unknown', 'transaction-control', 'contract', 'narrow', 'expand', 'data', 'neutral'];
  const list = <K extends keyof StatementFacts>(key: K) => parts.flatMap((part) => (part[key] as readonly any[] | undefined) ?? []);
  const single = <K extends keyof StatementFacts>(key: K) => parts.find((part) => part[key] !== undefined)?.[key];
  return {
    class: order.find((candidate) => parts.some((part) => part.class === candidate)) ?? 'neutral',
    description: parts.map((part) => part.description).join('; '),
    destructive: parts.some((part) => part.destructive),
    transactional: parts.every((part) => part.transactional),
    tables: list('tables'),
    addsColumns: list('addsColumns'),
    removesColumns: list('removesColumns'),
    narrows: list('narrows'),
    notNullCheck: single('notNullCheck'),
    validates: single('validates'),
    setsNotNull: single('setsNotNull'),
  };
}

function setting(node: any): StatementFacts {
  const local = node.is_local === true ? { needsTransaction: true as const } : {};
  if (!['lock_timeout', 'statement_timeout'].includes(node.name)) return make('neutral', `set ${node.is_local ? 'local ' : ''}${node.name ?? 'session setting'}`, local);
  // The parse tree leaves out an integer 0: an A_Const without ival, fval or sval is 0.
  const values: (string | number)[] = (node.args ?? []).map((arg: any) => arg.A_Const?.sval?.sval ?? arg.A_Const?.fval?.fval ?? arg.A_Const?.ival?.ival ?? 0);
  // RESET and SET ... TO DEFAULT go back to the runner's value (PGOPTIONS is the session default).
  // Any spelling of no time at all ('0s', '0ms', 0.4) disables the timeout, as the server reads it.
  const disables = node.kind === 'VAR_SET_VALUE' && values.some(disablesTimeout);
  return make('neutral', `set ${node.is_local ? 'local ' : ''}${node.name}`, { ...local, ...(disables && { disablesTimeout: node.name }) });
}

function maintenance(description: string, table: string | undefined, lock: LockMode, rewrites: boolean, transactional = true, cls: StatementClass = 'neutral'): StatementFacts {
  return make(cls, description, {
    transactional,
    tables: table ? [on(table, lock, rewrites ? pass('maintenance-rewrite', `${description} rewrites ${table}`, true) : undefined)] : [],
  });
}

function dml(kind: string, table: string, where: any, extra: Partial<StatementFacts> = {}): StatementFacts {
  const bounded = boundedWhere(where);
  return make('data', `${kind} ${table}${where ? ' where ...' : ''}`, {
    tables: [on(table, 'ROW EXCLUSIVE', bounded ? undefined : pass('all-rows', `${kind} ${table} ${where ? 'without a batch bound' : 'without WHERE'}`))],
    ...extra,
  });
}

/** Reads the facts of one top-level statement from its parse tree. */
export function classifyStatement(statement: ParsedStatement): StatementFacts {
  const node = statement.node;
  switch (statement.type) {
    case 'CreateStmt': {
      const table = relation(node.relation);
      const parent = node.partbound ? relation(node.inhRelations?.[0]?.RangeVar) : undefined;
      return make('expand', `create table ${table}${parent ? ` partition of ${parent}` : ''}`, {
        creates: [table],
        tables: parent ? [on(parent, 'ACCESS EXCLUSIVE', node.partbound.is_default ? undefined : pass('partition-scan', `a default partition of ${parent}, if any, is checked for rows of ${table}`))] : [],
      });
    }
    case 'CreateTableAsStmt': {
      const created = relation(node.into?.rel);
      return make('expand', `create ${node.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table'} ${created} as query`, { creates: [created], tables: queryReads(node.query?.SelectStmt) });
    }
    case 'ViewStmt':
      // OR REPLACE may change a view the previous release reads: not a new object of this file.
      return make('expand', `create ${node.replace ? 'or replace ' : ''}view ${relation(node.view)}`, node.replace ? {} : { creates: [relation(node.view)] });
    case 'CreateFunctionStmt':
      return make('expand', `create ${node.replace ? 'or replace ' : ''}function ${names(node.funcname).join('.')}`);
    case 'CreateTrigStmt':
      return make('expand', `create trigger ${node.trigname} on ${relation(node.relation)}`, { tables: [on(relation(node.relation), 'SHARE ROW EXCLUSIVE')] });
    case 'CreatePolicyStmt':
      return make('expand', `create policy ${node.policy_name} on ${relation(node.table)}`, { tables: [on(relation(node.table), 'ACCESS EXCLUSIVE')] });
    case 'CreateEnumStmt':
      return make('expand', `create enum ${names(node.typeName).join('.')}`, { createsEnum: names(node.typeName).join('.') });
    case 'CreateSeqStmt':
    case 'CreateSchemaStmt':
    case 'CreateExtensionStmt':
    case 'CompositeTypeStmt':
    case 'CreateDomainStmt':
    case 'DefineStmt':
    case 'CreateRoleStmt':
      return make('expand', words(statement.type));
    case 'IndexStmt': {
      const table = relation(node.relation);
      const description = `create ${node.unique ? 'unique ' : ''}index ${node.idxname ?? ''} on ${table}`.replace('  ', ' ');
      return make(node.unique ? 'narrow' : 'expand', description, {
        transactional: !node.concurrent,
        tables: [on(table, node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', node.concurrent ? undefined : pass('index-build', `${description} without CONCURRENTLY`))],
        ...(node.unique && { narrows: nodesOf(node.indexParams, 'IndexElem').map((elem) => `${table}.${elem.name ?? '*'}`) }),
      });
    }
    case 'AlterEnumStmt':
      return node.oldVal
        ? make('contract', `rename value ${node.oldVal} of enum ${names(node.typeName).join('.')}`)
        : make('expand', `add value ${node.newVal} to enum ${names(node.typeName).join('.')}`, { addsEnumValue: { type: names(node.typeName).join('.'), value: node.newVal } });
    case 'AlterTableStmt': {
      const table = relation(node.relation);
      if (node.objtype === 'OBJECT_INDEX') return make('neutral', `alter index ${table}`);
      return combine((node.cmds ?? []).map((command: any) => alterTableCommand(table, command.AlterTableCmd)));
    }
    case 'AlterDomainStmt': {
      const domain = names(node.typeName).join('.');
      const constraint = node.def?.Constraint;
      if (node.subtype === 'C' && constraint) {
        const validated = constraint.skip_validation !== true;
        return make('narrow', `add constraint to domain ${domain}`, {
          tables: [on(`domain ${domain}`, 'SHARE', validated ? pass('check-validation', `the constraint of domain ${domain} is checked in every column of that type`) : undefined)],
          narrows: [`domain ${domain}.*`],
        });
      }
      if (node.subtype === 'V') return make('neutral', `validate constraint ${node.name} of domain ${domain}`, { tables: [on(`domain ${domain}`, 'SHARE UPDATE EXCLUSIVE', pass('validation', `VALIDATE CONSTRAINT ${node.name} reads every column of the domain`))] });
      if (node.subtype === 'X') return make('expand', `drop constraint ${node.name} of domain ${domain}`);
      if (node.subtype === 'N') return make('expand', `allow NULL in domain ${domain}`);
      if (node.subtype === 'O') {
        return make('narrow', `set domain ${domain} NOT NULL`, {
          tables: [on(`domain ${domain}`, 'SHARE', pass('not-null-scan', `SET NOT NULL on domain ${domain} checks every column of that type`))],
          narrows: [`domain ${domain}.*`],
        });
      }
      return node.def ? make('expand', `set default of domain ${domain}`) : make('contract', `drop default of domain ${domain}: inserts of the previous release that rely on it change`);
    }
    case 'RenameStmt': {
      const renamed = `${objectType(node.renameType)} ${relation(node.relation) || names(node.object?.List?.items ?? node.object?.TypeName?.names).join('.') || node.subname}${node.relation && node.subname ? `.${node.subname}` : ''}`;
      return INTERNAL_NAMES.has(node.renameType)
        ? make('neutral', `rename ${renamed} to ${node.newname}`)
        : make('contract', `rename ${renamed} to ${node.newname}: the previous release still uses the old name`, {
          tables: node.relation ? [on(relation(node.relation), 'ACCESS EXCLUSIVE')] : [],
          ...(RELATION_NAMES.has(node.renameType) && { removes: [relation(node.relation)] }),
          ...(node.renameType === 'OBJECT_COLUMN' && { removesColumns: [`${relation(node.relation)}.${node.subname}`] }),
        });
    }
    case 'AlterObjectSchemaStmt':
      return make('contract', `move ${relation(node.relation) || names(node.object?.List?.items).join('.')} to schema ${node.newschema}`, RELATION_NAMES.has(node.objectType) ? { removes: [relation(node.relation)] } : {});
    case 'DropStmt': {
      const cascade = node.behavior === 'DROP_CASCADE';
      const dropped = RELATION_NAMES.has(node.removeType) ? nodesOf(node.objects, 'List').map((list) => names(list.items).join('.')) : [];
      const schemas = node.removeType === 'OBJECT_SCHEMA' && cascade ? nodesOf(node.objects, 'String').map((name) => `${name.sval}.*`) : [];
      return make('contract', `drop ${objectType(node.removeType)}${cascade ? ' cascade' : ''}`, {
        // CASCADE drops what depends on the object: the columns of a type or domain, a schema's tables.
        destructive: DATA_OBJECTS.has(node.removeType) || (cascade && ['OBJECT_TYPE', 'OBJECT_DOMAIN'].includes(node.removeType)),
        transactional: !node.concurrent,
        tables: node.removeType === 'OBJECT_VIEW' ? [] : dropped.map((table) => on(table, 'ACCESS EXCLUSIVE')),
        removes: [...dropped, ...schemas],
      });
    }
    case 'TruncateStmt':
      return make('data', `truncate ${(node.relations ?? []).map((r: any) => relation(r.RangeVar)).join(', ')}`, {
        destructive: true,
        tables: (node.relations ?? []).map((r: any) => on(relation(r.RangeVar), 'ACCESS EXCLUSIVE')),
      });
    case 'DeleteStmt':
      return dml('delete from', relation(node.relation), node.whereClause, { destructive: true });
    case 'UpdateStmt':
      return dml('update', relation(node.relation), node.whereClause);
    case 'InsertStmt':
      return make('data', `insert into ${relation(node.relation)}`, { tables: [on(relation(node.relation), 'ROW EXCLUSIVE'), ...queryReads(node.selectStmt?.SelectStmt?.valuesLists ? undefined : node.selectStmt?.SelectStmt)] });
    case 'MergeStmt':
      return make('data', `merge into ${relation(node.relation)}`, { tables: [on(relation(node.relation), 'ROW EXCLUSIVE')] });
    case 'SelectStmt':
      return make('neutral', 'select', { tables: queryReads(node) });
    case 'CopyStmt':
    case 'CallStmt':
      return make('data', words(statement.type));
    case 'RefreshMatViewStmt':
      return maintenance(`refresh materialized view${node.concurrent ? ' concurrently' : ''}`, relation(node.relation), node.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', !node.concurrent, true, node.concurrent ? 'neutral' : 'data');
    case 'GrantStmt':
      return node.is_grant ? make('expand', 'grant privileges') : make('contract', 'revoke privileges: the previous release may lose access');
    case 'GrantRoleStmt':
      return node.is_grant ? make('expand', 'grant role') : make('contract', 'revoke role: the previous release may lose access');
    case 'VariableSetStmt':
      return setting(node);
    case 'LockStmt':
      return make('neutral', 'lock table', { needsTransaction: true, tables: (node.relations ?? []).map((r: any) => on(relation(r.RangeVar), lockByNumber(node.mode))) });
    case 'AlterSeqStmt': {
      const restart = (node.options ?? []).some((option: any) => option.DefElem?.defname === 'restart');
      return restart
        ? make('contract', `restart sequence ${relation(node.sequence)}: inserts of the previous release get values already used`)
        : make('neutral', `alter sequence ${relation(node.sequence)}`);
    }
    case 'AlterOwnerStmt':
      return make('contract', `change owner of ${objectType(node.objectType)}: the previous release may lose its privileges`);
    case 'CommentStmt':
    case 'AlterFunctionStmt':
    case 'AlterDefaultPrivilegesStmt':
    case 'ExplainStmt':
    case 'AlterStatsStmt':
    case 'CreateStatsStmt':
    case 'AlterRoleStmt':
      return make('neutral', words(statement.type));
    case 'ClusterStmt':
      return maintenance('cluster', relation(node.relation) || undefined, 'ACCESS EXCLUSIVE', true, node.relation !== undefined);
    case 'VacuumStmt': {
      const full = (node.options ?? []).some((option: any) => option.DefElem?.defname === 'full');
      const table = relation(node.rels?.[0]?.VacuumRelation?.relation) || undefined;
      if (!node.is_vacuumcmd) return make('neutral', 'analyze');
      return maintenance(full ? 'vacuum full' : 'vacuum', table, full ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE', full, false);
    }
    case 'ReindexStmt': {
      const concurrent = (node.params ?? []).some((param: any) => param.DefElem?.defname === 'concurrently');
      return maintenance(`reindex${concurrent ? ' concurrently' : ''}`, relation(node.relation) || undefined, concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', !concurrent, !concurrent);
    }
    case 'TransactionStmt':
      return make('transaction-control', `${String(node.kind).replace('TRANS_STMT_', '').toLowerCase()}: the runner manages the transaction`);
    case 'DoStmt':
      return make('unknown', 'DO block is not analysed');
    default:
      return make('unknown', `${statement.type.replace(/Stmt$/, '')} is not analysed`);
  }
}
