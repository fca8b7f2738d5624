import { ParsedStatement } from './sql-parser';

/**
 * What a statement does to the previous release of the application:
 * - `expand`: adds something; the previous release keeps working.
 * - `data`: reads or writes rows (backfills).
 * - `contract`: removes or changes something the previous release may still use.
 * - `neutral`: session settings, comments, maintenance.
 * - `transaction-control`: BEGIN/COMMIT/ROLLBACK, which the runner owns.
 * - `unknown`: not analysed (a DO block, an unrecognised command); treated as breaking.
 */
export type StatementClass = 'expand' | 'data' | 'contract' | 'neutral' | 'transaction-control' | 'unknown';

/** A lock-safety finding on one statement; its id is the guardrail that reports it. */
export interface LockWarning {
  readonly id: string;
  readonly message: string;
}

export interface StatementClassification {
  readonly class: StatementClass;
  /** What the statement does, in a few words. */
  readonly description: string;
  /** Whether it destroys data that only a backup can bring back. */
  readonly destructive: boolean;
  /** Whether it can run inside a transaction block. */
  readonly transactional: boolean;
  readonly lockWarnings: readonly LockWarning[];
}

/** Functions whose value differs per row: a default using them rewrites the whole table. */
const VOLATILE_FUNCTIONS = new Set(['random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4', 'uuidv4', 'uuidv7', 'clock_timestamp', 'timeofday', 'nextval', 'txid_current']);
/** Target types a column can be changed to without losing values. */
const WIDE_TYPES = new Set(['text', 'int8', 'numeric', 'jsonb', 'json', 'timestamptz', 'float8', 'varchar', 'bpchar']);
const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2']);
/** Dropping these loses rows, not just a definition. */
const DATA_OBJECTS = new Set(['OBJECT_TABLE', 'OBJECT_SCHEMA', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);

const names = (list: any[] | undefined): string[] => (list ?? []).map((item) => item.String?.sval).filter(Boolean);
const relation = (node: any): string => [node?.schemaname, node?.relname].filter(Boolean).join('.');
const lowerName = (typeName: any): string => names(typeName?.names).at(-1) ?? '';

function make(cls: StatementClass, description: string, extra: Partial<StatementClassification> = {}): StatementClassification {
  return { class: cls, description, destructive: false, transactional: true, lockWarnings: [], ...extra };
}

function volatileDefault(expression: any): string | undefined {
  let found: string | undefined;
  JSON.stringify(expression, (key, value) => {
    if (key === 'FuncCall') {
      const name = names(value.funcname).at(-1);
      if (name && VOLATILE_FUNCTIONS.has(name)) found ??= name;
    }
    return value;
  });
  return found;
}

function columnConstraints(column: any): any[] {
  return (column.constraints ?? []).map((c: any) => c.Constraint).filter(Boolean);
}

function addColumn(table: string, column: any): StatementClassification {
  const constraints = columnConstraints(column);
  const defaultConstraint = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
  const notNull = constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
  const warnings: LockWarning[] = [];
  const volatile = defaultConstraint && volatileDefault(defaultConstraint.raw_expr);
  const serial = SERIAL_TYPES.has(lowerName(column.typeName));
  if (volatile || serial) {
    warnings.push({ id: 'LCK004', message: `column ${column.colname} gets a volatile default (${volatile ?? 'a serial sequence'}): PostgreSQL rewrites ${table} under an ACCESS EXCLUSIVE lock; add the column without a default, backfill in batches, then set the default` });
  }
  if (constraints.some((c) => c.contype === 'CONSTR_FOREIGN')) {
    warnings.push({ id: 'LCK003', message: `column ${column.colname} references another table: the foreign key is validated at once, locking both tables; add the column, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE CONSTRAINT separately` });
  }
  if (constraints.some((c) => c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY')) {
    warnings.push({ id: 'LCK008', message: `column ${column.colname} is UNIQUE or PRIMARY KEY: its index is built under an ACCESS EXCLUSIVE lock; build it with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX` });
  }
  if (constraints.some((c) => c.contype === 'CONSTR_CHECK')) {
    warnings.push({ id: 'LCK002', message: `column ${column.colname} has a CHECK constraint, validated at once under an ACCESS EXCLUSIVE lock; add it as a table constraint NOT VALID and VALIDATE it separately` });
  }
  if (notNull && !defaultConstraint) {
    return make('contract', `add required column ${table}.${column.colname} (NOT NULL without default): inserts of the previous release fail`, { lockWarnings: warnings });
  }
  return make('expand', `add column ${table}.${column.colname}`, { lockWarnings: warnings });
}

function addConstraint(table: string, constraint: any): StatementClassification {
  const name = constraint.conname ? ` ${constraint.conname}` : '';
  const notValid = constraint.skip_validation === true;
  switch (constraint.contype) {
    case 'CONSTR_FOREIGN':
      return make('expand', `add foreign key${name} on ${table}`, {
        lockWarnings: notValid ? [] : [{ id: 'LCK003', message: `foreign key${name} on ${table} is validated at once, locking both tables: add it NOT VALID, then VALIDATE CONSTRAINT in a separate statement` }],
      });
    case 'CONSTR_CHECK':
      return make('expand', `add check constraint${name} on ${table}`, {
        lockWarnings: notValid ? [] : [{ id: 'LCK002', message: `check constraint${name} on ${table} scans the whole table under an ACCESS EXCLUSIVE lock: add it NOT VALID, then VALIDATE CONSTRAINT in a separate statement` }],
      });
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY':
    case 'CONSTR_EXCLUSION':
      return make('expand', `add ${constraint.contype.slice(7).toLowerCase()} constraint${name} on ${table}`, {
        lockWarnings: constraint.indexname ? [] : [{ id: 'LCK008', message: `constraint${name} on ${table} builds its index under an ACCESS EXCLUSIVE lock: CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX` }],
      });
    default:
      return make('expand', `add constraint${name} on ${table}`);
  }
}

function alterTableCommand(table: string, command: any): StatementClassification {
  const column = command.name;
  switch (command.subtype) {
    case 'AT_AddColumn':
      return addColumn(table, command.def.ColumnDef);
    case 'AT_DropColumn':
      return make('contract', `drop column ${table}.${column}`, { destructive: true });
    case 'AT_AlterColumnType': {
      const typeName = command.def?.ColumnDef?.typeName;
      const target = lowerName(typeName);
      const narrowing = !WIDE_TYPES.has(target) || (typeName?.typmods ?? []).length > 0;
      return make('contract', `change type of ${table}.${column} to ${target}${narrowing ? ' (may narrow existing values)' : ''}`, {
        destructive: narrowing,
        lockWarnings: [{ id: 'LCK007', message: `changing the type of ${table}.${column} rewrites the table under an ACCESS EXCLUSIVE lock: add a new column, backfill it, and switch over with expand/contract` }],
      });
    }
    case 'AT_SetNotNull':
      return make('contract', `set ${table}.${column} NOT NULL: writes of NULL by the previous release fail`, {
        lockWarnings: [{ id: 'LCK006', message: `SET NOT NULL on ${table}.${column} scans the whole table under an ACCESS EXCLUSIVE lock: add CHECK (${column} IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL then skips the scan)` }],
      });
    case 'AT_DropNotNull':
      return make('expand', `allow NULL in ${table}.${column}`);
    case 'AT_ColumnDefault':
      return command.def
        ? make('expand', `set default of ${table}.${column}`)
        : make('contract', `drop default of ${table}.${column}: inserts of the previous release that rely on it change`);
    case 'AT_AddConstraint':
      return addConstraint(table, command.def.Constraint);
    case 'AT_ValidateConstraint':
      return make('expand', `validate constraint ${column} on ${table}`);
    case 'AT_DropConstraint':
      return make('contract', `drop constraint ${column} on ${table}`);
    case 'AT_AttachPartition':
    case 'AT_AddIdentity':
    case 'AT_AddInherit':
      return make('expand', `${command.subtype.slice(3)} on ${table}`);
    case 'AT_DetachPartition':
      return make('contract', `detach partition from ${table}`, { transactional: command.def?.PartitionCmd?.concurrent !== true });
    case 'AT_DropIdentity':
    case 'AT_DropInherit':
      return make('contract', `${command.subtype.slice(3)} on ${table}`);
    case 'AT_SetStatistics':
    case 'AT_SetStorage':
    case 'AT_ClusterOn':
    case 'AT_ChangeOwner':
    case 'AT_ReplicaIdentity':
    case 'AT_SetRelOptions':
      return make('neutral', `${command.subtype.slice(3)} on ${table}`);
    default:
      return make('unknown', `ALTER TABLE ${table} ${command.subtype} is not analysed`);
  }
}

/** Combines the classifications of several commands of one statement. */
function combine(parts: StatementClassification[]): StatementClassification {
  const order: StatementClass[] = ['unknown', 'transaction-control', 'contract', 'expand', 'data', 'neutral'];
  const cls = order.find((candidate) => parts.some((part) => part.class === candidate)) ?? 'neutral';
  return {
    class: cls,
    description: parts.map((part) => part.description).join('; '),
    destructive: parts.some((part) => part.destructive),
    transactional: parts.every((part) => part.transactional),
    lockWarnings: parts.flatMap((part) => part.lockWarnings),
  };
}

function timeoutOverride(node: any): LockWarning[] {
  if (!['lock_timeout', 'statement_timeout'].includes(node.name)) return [];
  const values = (node.args ?? []).map((arg: any) => arg.A_Const?.ival?.ival ?? arg.A_Const?.sval?.sval ?? 0);
  const disables = node.kind !== 'VAR_SET_VALUE' || values.some((value: unknown) => value === 0 || value === '0');
  return disables
    ? [{ id: 'LCK005', message: `${node.name} is reset or set to 0: statements can wait for locks (and block every query queued behind them) forever; keep the runner's ${node.name} or set a bounded value` }]
    : [];
}

/** Classifies one top-level statement from its parse tree. */
export function classifyStatement(statement: ParsedStatement): StatementClassification {
  const node = statement.node;
  switch (statement.type) {
    case 'CreateStmt':
      return make('expand', `create table ${relation(node.relation)}`);
    case 'CreateTableAsStmt':
      return make('expand', `create table ${relation(node.into?.rel)} as query`);
    case 'ViewStmt':
      return make('expand', `create ${node.replace ? 'or replace ' : ''}view ${relation(node.view)}`);
    case 'CreateFunctionStmt':
      return make('expand', `create ${node.replace ? 'or replace ' : ''}function ${names(node.funcname).join('.')}`);
    case 'CreateTrigStmt':
      return make('expand', `create trigger ${node.trigname} on ${relation(node.relation)}`);
    case 'CreateSeqStmt':
    case 'CreateSchemaStmt':
    case 'CreateExtensionStmt':
    case 'CompositeTypeStmt':
    case 'CreateEnumStmt':
    case 'CreateDomainStmt':
    case 'CreatePolicyStmt':
      return make('expand', statement.type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
    case 'IndexStmt': {
      const table = relation(node.relation);
      return make('expand', `create ${node.unique ? 'unique ' : ''}index ${node.idxname ?? ''} on ${table}`.replace('  ', ' '), {
        transactional: !node.concurrent,
        lockWarnings: node.concurrent ? [] : [{ id: 'LCK001', message: `CREATE INDEX on ${table} without CONCURRENTLY blocks every write to it while the index builds` }],
      });
    }
    case 'AlterEnumStmt':
      return node.oldVal
        ? make('contract', `rename value ${node.oldVal} of enum ${names(node.typeName).join('.')}`)
        : make('expand', `add value ${node.newVal} to enum ${names(node.typeName).join('.')}`);
    case 'AlterTableStmt': {
      const table = relation(node.relation);
      return combine((node.cmds ?? []).map((command: any) => alterTableCommand(table, command.AlterTableCmd)));
    }
    case 'RenameStmt':
      return make('contract', `rename ${String(node.renameType).replace('OBJECT_', '').toLowerCase()} ${relation(node.relation) || names(node.object?.List?.items).join('.')}${node.subname ? `.${node.subname}` : ''} to ${node.newname}: the previous release still uses the old name`);
    case 'AlterObjectSchemaStmt':
      return make('contract', `move ${relation(node.relation)} to schema ${node.newschema}`);
    case 'DropStmt': {
      const objectType = String(node.removeType).replace('OBJECT_', '').toLowerCase();
      return make('contract', `drop ${objectType}`, {
        destructive: DATA_OBJECTS.has(node.removeType),
        transactional: !node.concurrent,
        lockWarnings: node.removeType === 'OBJECT_INDEX' && !node.concurrent
          ? [{ id: 'LCK001', message: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table' }]
          : [],
      });
    }
    case 'TruncateStmt':
      return make('contract', `truncate ${(node.relations ?? []).map((r: any) => relation(r.RangeVar)).join(', ')}`, { destructive: true });
    case 'DeleteStmt':
      return node.whereClause
        ? make('data', `delete from ${relation(node.relation)} where ...`)
        : make('contract', `delete every row of ${relation(node.relation)} (no WHERE)`, { destructive: true });
    case 'InsertStmt':
      return make('data', `insert into ${relation(node.relation)}`);
    case 'UpdateStmt':
      return make('data', `update ${relation(node.relation)}`);
    case 'MergeStmt':
      return make('data', `merge into ${relation(node.relation)}`);
    case 'SelectStmt':
    case 'CopyStmt':
    case 'CallStmt':
    case 'RefreshMatViewStmt':
      return make('data', statement.type.replace(/Stmt$/, '').toLowerCase());
    case 'GrantStmt':
      return node.is_grant ? make('expand', 'grant privileges') : make('contract', 'revoke privileges: the previous release may lose access');
    case 'VariableSetStmt':
      return make('neutral', `set ${node.name ?? 'session setting'}`, { lockWarnings: timeoutOverride(node) });
    case 'CommentStmt':
    case 'AlterSeqStmt':
    case 'AlterFunctionStmt':
    case 'AlterOwnerStmt':
    case 'AlterDefaultPrivilegesStmt':
    case 'ExplainStmt':
    case 'ClusterStmt':
      return make('neutral', statement.type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
    case 'VacuumStmt':
      return make('neutral', node.is_vacuumcmd ? 'vacuum' : 'analyze', { transactional: !node.is_vacuumcmd });
    case 'ReindexStmt': {
      const concurrent = (node.params ?? []).some((param: any) => param.DefElem?.defname === 'concurrently');
      return make('neutral', 'reindex', { transactional: !concurrent });
    }
    case 'TransactionStmt':
      return make('transaction-control', `${String(node.kind).replace('TRANS_STMT_', '').toLowerCase()}: the runner manages the transaction`);
    default:
      return make('unknown', `${statement.type.replace(/Stmt$/, '')} is not analysed`);
  }
}
