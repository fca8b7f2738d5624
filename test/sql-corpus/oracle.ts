import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { analyzeSql } from '../../src/migrations/analysis';
import { TestServer } from '../helpers/postgres';
import { CORPUS_DIR, loadWorkload, Observation, Snippet, StatementObservation, WorkloadStatement } from './corpus';

/**
 * Runs corpus snippets on a real PostgreSQL 18 the way the migration runner does (as the owner,
 * lock_timeout 5s and statement_timeout 15min from the session options; the whole snippet in one
 * transaction when the analysis says it can run in one, else statement by statement in
 * autocommit) and records what happened. In-transaction snippets run on the populated fixture
 * database and are rolled back; the others, and those with their own BEGIN/COMMIT, run on a
 * clone of it that is dropped afterwards.
 */
const RUNNER_OPTIONS = '-c lock_timeout=5s -c statement_timeout=15min';
const LOCK_NAMES = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];
const FIXTURE = 'fixture';

/** After each statement: locks, relation files, scan and write counters of this transaction, timeouts. */
const STATE = `SELECT json_build_object(
  'locks', (SELECT coalesce(json_object_agg(relation::text, rank), '{}') FROM (
    SELECT relation, max(array_position($2::text[], mode)) AS rank FROM pg_locks
    WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted AND relation = ANY($1::oid[]) GROUP BY relation) held),
  'files', (SELECT coalesce(json_object_agg(oid::text, json_build_array(relfilenode, pg_relation_size(oid))), '{}') FROM pg_class WHERE oid = ANY($3::oid[])),
  'stats', (SELECT coalesce(json_object_agg(relid::text, json_build_array(seq_tup_read, n_tup_upd + n_tup_del)), '{}') FROM pg_stat_xact_user_tables WHERE relid = ANY($1::oid[])),
  'writes', (SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables),
  'timeouts', json_build_array(current_setting('lock_timeout'), current_setting('statement_timeout'))) AS state`;

/**
 * The schema as the application sees it. Left out on purpose: names of indexes, constraints and
 * triggers, owners, tablespaces, persistence, storage options, statistics, comments, volatility
 * and whether a constraint is validated (none of them changes what a query of the application may do).
 */
const CATALOG_DIGEST = `SELECT md5(string_agg(item, E'\\n' ORDER BY item)) AS digest FROM (
  SELECT format('rel %s.%s %s rls=%s/%s acl=%s bound=%s', n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl, pg_get_expr(c.relpartbound, c.oid)) AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL SELECT format('col %s %s %s notnull=%s default=%s %s%s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT format('con %s %s %s', conrelid::regclass, contypid::regtype, replace(pg_get_constraintdef(oid), ' NOT VALID', ''))
    FROM pg_constraint WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) AND (contype <> 'n' OR contypid <> 0)
  UNION ALL SELECT format('idx %s', regexp_replace(regexp_replace(pg_get_indexdef(indexrelid), '^CREATE (UNIQUE )?INDEX \\S+ ON', 'CREATE \\1INDEX ON'), ' WITH \\(.*\\)', ''))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  UNION ALL SELECT format('fn %s %s', p.oid::regprocedure, md5(p.prosrc))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT format('type %s %s', t.oid::regtype, (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid))
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND t.typtype IN ('e', 'd')
  UNION ALL SELECT format('trg %s %s %s %s', tgrelid::regclass, tgfoid::regproc, tgenabled, tgtype) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT format('pol %s %s %s', polrelid::regclass, polname, pg_get_expr(polqual, polrelid)) FROM pg_policy
  UNION ALL SELECT format('seq %s %s %s %s %s', seqrelid::regclass, seqincrement, seqmin, seqmax, seqcycle) FROM pg_sequence
  UNION ALL SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT format('nsp %s', nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
  UNION ALL SELECT format('ext %s', extname) FROM pg_extension
  UNION ALL SELECT format('inh %s %s', inhrelid::regclass, inhparent::regclass) FROM pg_inherits) items`;

interface State {
  readonly locks: Record<string, number>;
  readonly files: Record<string, [number, number]>;
  readonly stats: Record<string, [number, number]>;
  readonly writes: number;
  readonly timeouts: [string, string];
}

interface Column { readonly attnum: number; readonly name: string; readonly type: string }
interface TableSnapshot { readonly name: string; readonly rows: number; readonly columns: readonly Column[]; readonly hashes: Readonly<Record<number, string>> }

/** The fixture as it was before any snippet: relation names, sizes, columns and value hashes, the catalog, the workload's results. */
export interface Baseline {
  /** Fixture tables, partitions, partitioned tables and materialized views: oid → name. */
  readonly relations: Readonly<Record<string, string>>;
  /** Their indexes: oid → the table's name. */
  readonly indexes: Readonly<Record<string, string>>;
  /** Rows per relation name. */
  readonly rows: Readonly<Record<string, number>>;
  /** Materialized views: nobody writes them, so only a lock that blocks reads matters. */
  readonly readOnly: readonly string[];
  readonly tables: Readonly<Record<string, TableSnapshot>>;
  readonly digest: string;
  readonly workload: readonly WorkloadResult[];
}

interface WorkloadResult { readonly statement: WorkloadStatement; readonly outcome: string }

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

function connect(server: TestServer, database: string, user = 'app'): Promise<Client> {
  const client = new Client({ host: '127.0.0.1', port: server.port, user, password: user === 'app' ? 'app' : 'postgres', database, options: RUNNER_OPTIONS });
  // Errors reach the awaiting query; a connection ended by DROP DATABASE ... WITH (FORCE) is expected.
  client.on('error', () => undefined);
  return client.connect().then(() => client);
}

/** Roles, a tablespace and the populated fixture database, as the superuser and then as the owner. */
export async function createFixture(server: TestServer): Promise<void> {
  const tablespace = join(server.base, 'archive-space');
  mkdirSync(tablespace);
  // The server runs as "postgres" when the tests run as root; the tablespace must be its own.
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(tablespace, id('-u'), id('-g'));
  }
  const admin = await connect(server, 'postgres', 'postgres');
  await admin.query("CREATE ROLE app LOGIN PASSWORD 'app'; CREATE ROLE reporting");
  await admin.query(`CREATE TABLESPACE archive_space OWNER app LOCATION '${tablespace}'`);
  await admin.query(`CREATE DATABASE ${FIXTURE} OWNER app`);
  await admin.end();
  const owner = await connect(server, FIXTURE);
  await owner.query(readFileSync(join(CORPUS_DIR, 'fixture.sql'), 'utf8'));
  await owner.query(PREVIOUS_RELEASE_FUNCTION);
  await owner.query('VACUUM ANALYZE');
  await owner.end();
}

/**
 * The fixture tables as they are now in this transaction (oid → snapshot; a dropped one is
 * missing): rows, columns, and hashes of the values of every column at first, later only of the
 * columns whose type changed.
 */
async function tableSnapshots(client: Client, oids: readonly string[], baseline?: Baseline['tables']): Promise<Record<string, TableSnapshot>> {
  const { rows } = await client.query(
    `SELECT c.oid::text, format('%I.%I', n.nspname, c.relname) AS qualified, a.attnum, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.oid = ANY($1::oid[]) ORDER BY c.oid, a.attnum`, [oids]);
  const present = [...new Set(rows.map((row) => row.oid as string))];
  const columnsOf = (oid: string) => rows.filter((row) => row.oid === oid);
  const hashedOf = (oid: string) => columnsOf(oid).filter((column) => !baseline || baseline[oid].columns.some((before) => before.attnum === column.attnum && before.type !== column.type));
  const counts = present.map((oid) => `SELECT ${oid}::oid::text AS oid, count(*)::int AS rows, json_build_object(${hashedOf(oid).map((column) => `${column.attnum}, sum(hashtext(${quote(column.name)}::text))::text`).join(', ')}) AS hashes FROM ONLY ${columnsOf(oid)[0].qualified}`);
  const { rows: measured } = counts.length === 0 ? { rows: [] } : await client.query(counts.join(' UNION ALL '));
  return Object.fromEntries(measured.map((row) => [row.oid, {
    name: columnsOf(row.oid)[0].qualified,
    rows: row.rows,
    columns: columnsOf(row.oid).map(({ attnum, name, type }) => ({ attnum, name, type })),
    hashes: row.hashes,
  }]));
}

/**
 * Runs the previous release's statements in the current transaction, each in a subtransaction,
 * in one round trip: "ok", "ok <RETURNING rows as JSON>" or "error <SQLSTATE>" for each.
 */
const PREVIOUS_RELEASE_FUNCTION = `CREATE SCHEMA oracle;
CREATE FUNCTION oracle.previous_release(statements text[]) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  outcomes text[] := '{}';
  statement text;
  returned text;
BEGIN
  FOREACH statement IN ARRAY statements LOOP
    BEGIN
      IF statement ~* 'RETURNING' THEN
        EXECUTE format('WITH changed AS (%s) SELECT json_agg(changed)::text FROM changed', statement) INTO returned;
        outcomes := outcomes || ('ok ' || returned);
      ELSE
        EXECUTE statement;
        outcomes := outcomes || 'ok'::text;
      END IF;
    EXCEPTION WHEN OTHERS THEN
      outcomes := outcomes || ('error ' || SQLSTATE);
    END;
  END LOOP;
  RETURN outcomes;
END $$`;

/** Only RETURNING results are compared: what a read returns depends on the data a migration may change. */
async function runWorkload(client: Client, workload: readonly WorkloadStatement[]): Promise<WorkloadResult[]> {
  const { rows: [{ outcomes }] } = await client.query('SELECT oracle.previous_release($1) AS outcomes', [workload.map((statement) => statement.sql)]);
  return workload.map((statement, index) => ({ statement, outcome: outcomes[index] }));
}

export async function readBaseline(server: TestServer): Promise<Baseline> {
  const client = await connect(server, FIXTURE);
  const { rows: relations } = await client.query("SELECT oid::text, relname, relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'm')");
  const { rows: indexes } = await client.query('SELECT i.indexrelid::text AS oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE i.indrelid = ANY($1::oid[])', [relations.map((r) => r.oid)]);
  const tables = await tableSnapshots(client, relations.filter((r) => r.relkind !== 'p').map((r) => r.oid));
  const { rows: [{ digest }] } = await client.query(CATALOG_DIGEST);
  await client.query('BEGIN');
  const workload = await runWorkload(client, loadWorkload());
  await client.query('ROLLBACK');
  await client.end();
  return {
    relations: Object.fromEntries(relations.map((r) => [r.oid, r.relname])),
    indexes: Object.fromEntries(indexes.map((i) => [i.oid, i.relname])),
    rows: Object.fromEntries(relations.map((r) => [r.relname, tables[r.oid]?.rows ?? 0])),
    readOnly: relations.filter((r) => r.relkind === 'm').map((r) => r.relname),
    tables,
    digest,
    workload,
  };
}

class SnippetRun {
  private state?: State;
  readonly statements: StatementObservation[] = [];
  private writes = 0;

  constructor(private readonly client: Client, private readonly baseline: Baseline) {}

  private async read(): Promise<State> {
    const oids = Object.keys(this.baseline.relations);
    const { rows: [{ state }] } = await this.client.query(STATE, [oids, LOCK_NAMES, [...oids, ...Object.keys(this.baseline.indexes)]]);
    return state;
  }

  async start(): Promise<void> {
    this.state = await this.read();
  }

  /** Records what the last statement did; `fresh` when it ran in a transaction of its own. */
  async observe(fresh: boolean): Promise<void> {
    const before = this.state!;
    const after = await this.read();
    const name = (oid: string) => this.baseline.relations[oid] ?? this.baseline.indexes[oid];
    const counter = (oid: string, index: 0 | 1) => after.stats[oid][index] - (fresh ? 0 : before.stats[oid]?.[index] ?? 0);
    const rewritten = Object.keys(after.files).filter((oid) => before.files[oid] && after.files[oid][0] !== before.files[oid][0] && after.files[oid][1] > 0).map(name);
    this.statements.push({
      locks: Object.fromEntries(Object.entries(after.locks).map(([oid, rank]) => [name(oid), rank])),
      rewritten: [...new Set(rewritten)],
      seqRead: Object.fromEntries(Object.keys(after.stats).map((oid) => [name(oid), counter(oid, 0)]).filter(([, count]) => (count as number) > 0)),
      changedRows: Object.fromEntries(Object.keys(after.stats).map((oid) => [name(oid), counter(oid, 1)]).filter(([, count]) => (count as number) > 0)),
      timeoutsDisabled: ['lock_timeout', 'statement_timeout'].filter((_, index) => after.timeouts[index] === '0'),
    });
    this.writes += after.writes - (fresh ? 0 : before.writes);
    this.state = after;
  }

  /** Compares the end state with the baseline and runs the previous release's queries, in the current transaction. */
  async conclude(): Promise<Pick<Observation, 'destroyed' | 'catalogChanged' | 'dataChanged' | 'coreBroken' | 'edgeRejected'>> {
    const destroyed: string[] = [];
    const now = await tableSnapshots(this.client, Object.keys(this.baseline.tables), this.baseline.tables);
    for (const [oid, before] of Object.entries(this.baseline.tables)) {
      const after = now[oid];
      if (!after) {
        destroyed.push(`${before.name} dropped`);
        continue;
      }
      for (const column of before.columns) {
        const now = after.columns.find((candidate) => candidate.attnum === column.attnum);
        if (!now) destroyed.push(`${before.name}.${column.name} dropped`);
        else if (now.type !== column.type && after.hashes[column.attnum] !== before.hashes[column.attnum]) destroyed.push(`${before.name}.${column.name} values changed by the type change to ${now.type}`);
      }
      if (after.rows < before.rows) destroyed.push(`${before.name} lost ${before.rows - after.rows} rows`);
    }
    const { rows: [{ digest }] } = await this.client.query(CATALOG_DIGEST);
    const workload = await runWorkload(this.client, this.baseline.workload.map((result) => result.statement));
    const changed = workload.filter((result, index) => result.outcome !== this.baseline.workload[index].outcome);
    return {
      destroyed,
      catalogChanged: digest !== this.baseline.digest,
      // TRUNCATE counts no row writes: its lost rows do.
      dataChanged: this.writes > 0 || destroyed.some((loss) => loss.includes(' lost ')),
      coreBroken: changed.filter((result) => result.statement.kind === 'core').map((result) => `${result.statement.sql} → ${result.outcome}`),
      edgeRejected: changed.filter((result) => result.statement.kind === 'edge' && this.baseline.workload[workload.indexOf(result)].outcome.startsWith('ok')).map((result) => `${result.statement.sql} → ${result.outcome}`),
    };
  }
}

const failure = (error: unknown, statement: number) => ({ statement, code: String((error as { code?: string }).code), message: (error as Error).message });

/** Runs one snippet in one transaction (rolled back), as `psql --single-transaction` does. */
async function runInTransaction(client: Client, baseline: Baseline, snippet: Snippet, texts: readonly string[]): Promise<Observation> {
  const run = new SnippetRun(client, baseline);
  await client.query('BEGIN');
  await run.start();
  let error: Observation['error'];
  for (const [index, text] of texts.entries()) {
    try {
      await client.query(text);
    } catch (caught) {
      error = failure(caught, index);
      break;
    }
    await run.observe(false);
  }
  // A snippet's own COMMIT ends the transaction (it runs on a clone): conclude in a new one.
  if (!error) await client.query('BEGIN');
  const conclusion = error ? { destroyed: [], catalogChanged: false, dataChanged: false, coreBroken: [], edgeRejected: [] } : await run.conclude();
  await client.query('ROLLBACK');
  return { snippet: snippet.name, transactional: true, statements: run.statements, ...(error && { error }), ...conclusion };
}

/** Runs one snippet statement by statement in autocommit, as psql without --single-transaction does. */
async function runInAutocommit(client: Client, baseline: Baseline, snippet: Snippet, texts: readonly string[], transactional: readonly boolean[]): Promise<Observation> {
  const run = new SnippetRun(client, baseline);
  await run.start();
  let error: Observation['error'];
  for (const [index, text] of texts.entries()) {
    try {
      // The scan counters read in a transaction include what earlier ones left unflushed: flush them first.
      await client.query('SELECT pg_stat_force_next_flush()');
      // Observing a statement that may run in a transaction in one of its own changes nothing autocommit would do.
      if (transactional[index]) await client.query('BEGIN');
      await client.query(text);
      await run.observe(true);
      if (transactional[index]) await client.query('COMMIT');
    } catch (caught) {
      error = failure(caught, index);
      break;
    }
  }
  await client.query(error ? 'ROLLBACK' : 'BEGIN');
  const conclusion = error ? { destroyed: [], catalogChanged: false, dataChanged: false, coreBroken: [], edgeRejected: [] } : await run.conclude();
  if (!error) await client.query('ROLLBACK');
  return { snippet: snippet.name, transactional: false, statements: run.statements, ...(error && { error }), ...conclusion };
}

const named = <T>(snippet: Snippet, running: Promise<T>): Promise<T> => running.catch((error) => {
  throw new Error(`the oracle failed on snippet "${snippet.name}" (${snippet.file}): ${error.message}`);
});

/** Whether a snippet may change the fixture for good (autocommit, or its own COMMIT): it then runs on a clone. */
export function needsClone(snippet: Snippet): boolean {
  const analysis = analyzeSql(snippet.sql);
  return !analysis.transactional || analysis.statements.some((statement) => statement.class === 'transaction-control');
}

/** Observes every snippet: the in-transaction ones on the fixture, the others each on a fresh clone of it. */
export async function observe(server: TestServer, baseline: Baseline, snippets: readonly Snippet[]): Promise<Observation[]> {
  const admin = await connect(server, 'postgres', 'postgres');
  const clones = snippets.filter(needsClone);
  // A template must have no other session while it is copied: clone everything first.
  for (const [index] of clones.entries()) await admin.query(`CREATE DATABASE clone_${index} TEMPLATE ${FIXTURE} OWNER app STRATEGY FILE_COPY`);
  const observations = new Map<string, Observation>();
  const fixture = await connect(server, FIXTURE);
  for (const snippet of snippets.filter((candidate) => !needsClone(candidate))) {
    observations.set(snippet.name, await named(snippet, runInTransaction(fixture, baseline, snippet, analyzeSql(snippet.sql).statements.map((statement) => statement.text))));
  }
  await fixture.end();
  for (const [index, snippet] of clones.entries()) {
    const client = await connect(server, `clone_${index}`);
    const analysis = analyzeSql(snippet.sql);
    const texts = analysis.statements.map((statement) => statement.text);
    observations.set(snippet.name, await named(snippet, analysis.transactional
      ? runInTransaction(client, baseline, snippet, texts)
      : runInAutocommit(client, baseline, snippet, texts, analysis.statements.map((statement) => statement.transactional))));
    await client.end();
    await admin.query(`DROP DATABASE clone_${index} WITH (FORCE)`);
  }
  await admin.end();
  return snippets.map((snippet) => observations.get(snippet.name)!);
}
