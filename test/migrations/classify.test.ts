import { analyzeSql } from '../../src/migrations/analysis';

/** [SQL, class, destructive, transactional, the passes (kind@table) it makes over existing tables] */
const TABLE: [string, string, boolean, boolean, string[]][] = [
  // expand: additive, the previous release keeps working
  ['CREATE TABLE orders (id bigint PRIMARY KEY, total numeric)', 'expand', false, true, []],
  ['CREATE TABLE archive AS SELECT * FROM orders', 'expand', false, true, ['query@orders']],
  ['ALTER TABLE users ADD COLUMN nickname text', 'expand', false, true, []],
  ["ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active'", 'expand', false, true, []],
  ['ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now()', 'expand', false, true, []],
  ['ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid()', 'expand', false, true, ['column-rewrite@users']],
  ['ALTER TABLE users ADD COLUMN code text DEFAULT my_function()', 'expand', false, true, ['column-rewrite@users']],
  ['ALTER TABLE users ADD COLUMN seq bigserial', 'expand', false, true, ['column-rewrite@users']],
  ['ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY', 'expand', false, true, ['column-rewrite@users']],
  ['ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS (id * 2) STORED', 'expand', false, true, ['column-rewrite@users']],
  ['ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS (id * 2) VIRTUAL', 'expand', false, true, []],
  ['ALTER TABLE users ADD COLUMN pk bigserial PRIMARY KEY', 'expand', false, true, ['column-rewrite@users']],
  ['ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id)', 'expand', false, true, []],
  ['ALTER TABLE users ADD COLUMN code text UNIQUE', 'expand', false, true, ['unique-constraint@users']],
  ['ALTER TABLE users ADD COLUMN age int CHECK (age > 0)', 'expand', false, true, ['check-validation@users']],
  ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)', 'expand', false, false, []],
  ['CREATE INDEX users_email_idx ON users (email)', 'expand', false, true, ['index-build@users']],
  ['CREATE VIEW active_users AS SELECT * FROM users', 'expand', false, true, []],
  ['CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'expand', false, true, []],
  ['CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()', 'expand', false, true, []],
  ['CREATE SEQUENCE invoice_numbers', 'expand', false, true, []],
  ['CREATE SCHEMA reporting', 'expand', false, true, []],
  ['CREATE EXTENSION IF NOT EXISTS pgcrypto', 'expand', false, true, []],
  ["CREATE TYPE mood AS ENUM ('sad', 'ok')", 'expand', false, true, []],
  ["ALTER TYPE mood ADD VALUE 'happy'", 'expand', false, true, []],
  ['ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL', 'expand', false, true, []],
  ["ALTER TABLE users ALTER COLUMN status SET DEFAULT 'active'", 'expand', false, true, []],
  ['ALTER TABLE users ALTER COLUMN name TYPE text', 'expand', false, true, []],
  ['ALTER TABLE orders ALTER COLUMN total TYPE numeric', 'expand', false, true, []],
  ['ALTER TABLE orders ALTER COLUMN id TYPE bigint', 'expand', false, true, ['table-rewrite@orders']],
  ['ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM (1) TO (2)', 'expand', false, true, ['partition-scan@events', 'partition-scan@events_2025']],
  ['CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM (1) TO (2)', 'expand', false, true, ['partition-scan@events']],
  ['ALTER TABLE orders ENABLE ROW LEVEL SECURITY', 'expand', false, true, []],
  ['ALTER TABLE users ENABLE TRIGGER users_touch', 'expand', false, true, []],
  ['GRANT SELECT ON users TO reporting', 'expand', false, true, []],
  // narrow: constraints on what exists; the previous release works while it writes nothing they reject
  ['ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID', 'narrow', false, true, []],
  ['ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)', 'narrow', false, true, ['foreign-key-validation@orders']],
  ['ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID', 'narrow', false, true, []],
  ['ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0)', 'narrow', false, true, ['check-validation@orders']],
  ['ALTER TABLE users ADD CONSTRAINT users_code_key UNIQUE (code)', 'narrow', false, true, ['unique-constraint@users']],
  ['ALTER TABLE users ADD CONSTRAINT users_code_key UNIQUE USING INDEX users_code_key', 'narrow', false, true, []],
  ['CREATE UNIQUE INDEX CONCURRENTLY users_code_key ON users (code)', 'narrow', false, false, []],
  ['ALTER TABLE users ALTER COLUMN name TYPE varchar(200)', 'expand', false, true, []],
  ['ALTER TABLE users ALTER COLUMN score TYPE numeric(14,2)', 'expand', false, true, []],
  ['ALTER DOMAIN quantity ADD CONSTRAINT positive CHECK (VALUE > 0)', 'narrow', false, true, ['check-validation@domain quantity']],
  ['ALTER DOMAIN quantity SET NOT NULL', 'narrow', false, true, ['not-null-scan@domain quantity']],
  // data: backfills
  ['UPDATE users SET email_normalized = lower(email) WHERE email_normalized IS NULL', 'data', false, true, ['all-rows@users']],
  ['UPDATE users SET a = 1 WHERE id BETWEEN 1 AND 1000', 'data', false, true, []],
  ['UPDATE users SET a = 1 WHERE id IN (SELECT id FROM users WHERE a IS NULL LIMIT 1000)', 'data', false, true, []],
  ["INSERT INTO settings (key, value) VALUES ('theme', 'dark')", 'data', false, true, []],
  ['DELETE FROM sessions WHERE expires_at < now()', 'data', true, true, ['all-rows@sessions']],
  ['DELETE FROM sessions WHERE id = 5', 'data', true, true, []],
  ['DELETE FROM sessions', 'data', true, true, ['all-rows@sessions']],
  ['TRUNCATE sessions', 'data', true, true, []],
  ['REFRESH MATERIALIZED VIEW user_stats', 'data', false, true, ['maintenance-rewrite@user_stats']],
  // contract: breaking for the previous release
  ['ALTER TABLE users DROP COLUMN email', 'contract', true, true, []],
  ['DROP TABLE legacy_users', 'contract', true, true, []],
  ['DROP SCHEMA old CASCADE', 'contract', true, true, []],
  ['DROP TYPE mood CASCADE', 'contract', true, true, []],
  ['DROP TYPE mood', 'contract', false, true, []],
  ['DROP VIEW active_users', 'contract', false, true, []],
  ['DROP FUNCTION f() CASCADE', 'contract', false, true, []],
  ['DROP INDEX CONCURRENTLY users_email_idx', 'contract', false, false, []],
  ['DROP INDEX users_email_idx', 'contract', false, true, []],
  ['ALTER TABLE users RENAME COLUMN email TO mail', 'contract', false, true, []],
  ['ALTER TABLE users RENAME TO accounts', 'contract', false, true, []],
  ['ALTER TABLE orders ALTER COLUMN total TYPE integer USING total::integer', 'contract', true, true, ['table-rewrite@orders']],
  ['ALTER TABLE users ALTER COLUMN email_normalized SET NOT NULL', 'contract', false, true, ['not-null-scan@users']],
  ['ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID', 'contract', false, true, []],
  ['ALTER TABLE users ALTER COLUMN status DROP DEFAULT', 'contract', false, true, []],
  ['ALTER TABLE orders DROP CONSTRAINT total_positive', 'contract', false, true, []],
  ['ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL', 'contract', false, true, []],
  ['REVOKE SELECT ON users FROM reporting', 'contract', false, true, []],
  ['ALTER TABLE users SET SCHEMA archive', 'contract', false, true, []],
  ["ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'", 'contract', false, true, []],
  ['ALTER SEQUENCE users_id_seq RESTART WITH 1', 'contract', false, true, []],
  ['ALTER TABLE users DISABLE TRIGGER users_touch', 'contract', false, true, []],
  ['ALTER TABLE orders FORCE ROW LEVEL SECURITY', 'contract', false, true, []],
  ['ALTER TABLE users OWNER TO someone_else', 'contract', false, true, []],
  ['ALTER TABLE events DETACH PARTITION events_2024', 'contract', false, true, []],
  ['ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY', 'contract', false, false, []],
  // neutral: nothing the previous release sees
  ["SET lock_timeout = '2s'", 'neutral', false, true, []],
  ['SET lock_timeout = 0', 'neutral', false, true, []],
  ['RESET statement_timeout', 'neutral', false, true, []],
  ["COMMENT ON TABLE users IS 'people'", 'neutral', false, true, []],
  ['SELECT count(*) FROM users', 'neutral', false, true, ['query@users']],
  ['ALTER TABLE orders VALIDATE CONSTRAINT total_positive', 'neutral', false, true, ['validation@orders']],
  ['ALTER INDEX users_email_idx RENAME TO users_mail_idx', 'neutral', false, true, []],
  ['ALTER TABLE users RENAME CONSTRAINT a TO b', 'neutral', false, true, []],
  ['ALTER SEQUENCE invoice_numbers CACHE 10', 'neutral', false, true, []],
  ['LOCK TABLE users IN SHARE MODE', 'neutral', false, true, []],
  ['ANALYZE users', 'neutral', false, true, []],
  ['VACUUM users', 'neutral', false, false, []],
  ['VACUUM FULL users', 'neutral', false, false, ['maintenance-rewrite@users']],
  ['CLUSTER users USING users_pkey', 'neutral', false, true, ['maintenance-rewrite@users']],
  ['REINDEX TABLE users', 'neutral', false, true, ['maintenance-rewrite@users']],
  ['REINDEX INDEX CONCURRENTLY users_email_idx', 'neutral', false, false, []],
  ['REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats', 'neutral', false, true, []],
  ['ALTER TABLE audit_log SET TABLESPACE archive', 'neutral', false, true, ['table-rewrite@audit_log']],
  ['ALTER TABLE audit_log SET UNLOGGED', 'neutral', false, true, ['table-rewrite@audit_log']],
  ['CREATE STATISTICS s ON a, b FROM orders', 'neutral', false, true, []],
  // the runner owns transactions; some statements are not analysed
  ['BEGIN', 'transaction-control', false, true, []],
  ['COMMIT', 'transaction-control', false, true, []],
  ["DO $$ BEGIN RAISE NOTICE 'hi'; END $$", 'unknown', false, true, []],
];

test('the table covers at least 100 statements of every class', () => {
  expect(TABLE.length).toBeGreaterThanOrEqual(100);
  expect(new Set(TABLE.map((row) => row[1]))).toEqual(new Set(['expand', 'narrow', 'data', 'contract', 'neutral', 'transaction-control', 'unknown']));
});

test.each(TABLE)('%s → %s', (sql, expectedClass, destructive, transactional, passes) => {
  const analysis = analyzeSql(sql);
  expect(analysis.syntaxError).toBeUndefined();
  expect(analysis.statements).toHaveLength(1);
  const [statement] = analysis.statements;
  expect(statement.class).toBe(expectedClass);
  expect(statement.destructive).toBe(destructive);
  expect(statement.transactional).toBe(transactional);
  expect(statement.tables.filter((effect) => effect.pass).map((effect) => `${effect.pass!.kind}@${effect.table}`)).toEqual(passes);
});

test('locks taken by a statement are held through the later ones of a transactional file, and named with their line', () => {
  const analysis = analyzeSql("ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nSET lock_timeout = '1s';\nALTER TABLE orders VALIDATE CONSTRAINT c;\n");
  expect(analysis.transactional).toBe(true);
  expect(analysis.statements.map((statement) => statement.heldLocks.map((lock) => `${lock.mode}@${lock.table}:${lock.line}`))).toEqual([
    [], ['ACCESS EXCLUSIVE@orders:1'], ['ACCESS EXCLUSIVE@orders:1'],
  ]);
});

test('a no-transaction directive makes the file run statement by statement: no lock is held across statements', () => {
  const analysis = analyzeSql('-- cnpg-gitops: no-transaction because VALIDATE must not wait under the lock\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;\n');
  expect(analysis.transactional).toBe(false);
  expect(analysis.noTransaction).toBe('VALIDATE must not wait under the lock');
  expect(analysis.statements.map((statement) => statement.heldLocks)).toEqual([[], []]);
});

test('a statement on a table created earlier in the file touches no existing table; a constraint on a new column narrows nothing', () => {
  const analysis = analyzeSql('CREATE TABLE coupons (id bigint, code text);\nCREATE INDEX coupons_code ON coupons (code);\nALTER TABLE users ADD COLUMN level int;\nALTER TABLE users ADD CONSTRAINT level_range CHECK (level > 0) NOT VALID;\nALTER TABLE coupons ADD COLUMN n int NOT NULL;\n');
  expect(analysis.statements[1].tables).toEqual([expect.objectContaining({ table: 'coupons', existing: false })]);
  expect(analysis.statements.map((statement) => statement.class)).toEqual(['expand', 'expand', 'expand', 'expand', 'expand']);
});

test.each([
  ['ALTER TABLE orders DROP COLUMN note, DROP COLUMN legacy', [], ['orders.note', 'orders.legacy']],
  ['ALTER TABLE orders RENAME COLUMN note TO remark', [], ['orders.note']],
  ['DROP TABLE orders, archive.orders', ['orders', 'archive.orders'], []],
  ['DROP MATERIALIZED VIEW totals', ['totals'], []],
  ['DROP VIEW active_orders, archive.old_orders', ['active_orders', 'archive.old_orders'], []],
  ['ALTER VIEW active_orders RENAME TO open_orders', ['active_orders'], []],
  ['ALTER VIEW active_orders SET SCHEMA archive', ['active_orders'], []],
  ['DROP SCHEMA reporting, staging CASCADE', ['reporting.*', 'staging.*'], []],
  ['DROP SCHEMA reporting', [], []],
  ['ALTER TABLE orders RENAME TO purchases', ['orders'], []],
  ['ALTER TABLE orders SET SCHEMA archive', ['orders'], []],
  ['ALTER INDEX orders_pkey RENAME TO orders_key', [], []],
  ['DROP INDEX orders_total', [], []],
  ['ALTER TABLE orders ADD COLUMN note text', [], []],
])('%s removes the relations %j and the columns %j (what MIG004 matches against what earlier migrations added)', (sql, relations, columns) => {
  const [statement] = analyzeSql(sql).statements;
  expect([statement.removes ?? [], statement.removesColumns ?? []]).toEqual([relations, columns]);
});

test('a view is created like a table (what a contract may not remove in the same release); dropping it locks no table', () => {
  const [create, drop] = analyzeSql('CREATE VIEW reporting.open_orders AS SELECT 1;\nDROP VIEW reporting.open_orders;\n').statements;
  expect(create.creates).toEqual(['reporting.open_orders']);
  expect(drop.tables).toEqual([]);
});

test('CREATE OR REPLACE VIEW may change a view the previous release reads: renaming it after is still a contract', () => {
  const [replace, rename] = analyzeSql('CREATE OR REPLACE VIEW active_users AS SELECT 1 AS id;\nALTER VIEW active_users RENAME TO users_active;\n').statements;
  expect(replace.creates).toBeUndefined();
  expect(rename.class).toBe('contract');
});

test('SET NOT NULL after a validated CHECK (column IS NOT NULL) of the same file makes no scan', () => {
  const proven = analyzeSql('ALTER TABLE users ADD CONSTRAINT nn CHECK (name IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT nn;\nALTER TABLE users ALTER COLUMN name SET NOT NULL;\n');
  expect(proven.statements[2].tables.map((effect) => effect.pass)).toEqual([undefined]);
  const unproven = analyzeSql('ALTER TABLE users ADD CONSTRAINT nn CHECK (name IS NOT NULL) NOT VALID;\nALTER TABLE users ALTER COLUMN name SET NOT NULL;\n');
  expect(unproven.statements[1].tables.map((effect) => effect.pass?.kind)).toEqual(['not-null-scan']);
});

test('an enum value added and used in one transaction is flagged; in a no-transaction file it is not', () => {
  const sql = "ALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE id = 1;\n";
  expect(analyzeSql(sql).statements[1].usesNewEnumValue).toEqual({ value: 'refunded', line: 1 });
  expect(analyzeSql(`-- cnpg-gitops: no-transaction because the value must be committed first\n${sql}`).statements[1].usesNewEnumValue).toBeUndefined();
  expect(analyzeSql(`CREATE TYPE order_status AS ENUM ('new');\n${sql}`).statements[2].usesNewEnumValue).toBeUndefined();
});

test('a declaration classifies the next statement the analysis does not; on a classified statement it is ignored and kept for MIG009', () => {
  const analysis = analyzeSql("-- cnpg-gitops: expand because it only creates a role when it is missing\nDO $$ BEGIN PERFORM 1; END $$;\n-- cnpg-gitops: expand because I say so, loudly\nDROP TABLE users;\nDO $$ BEGIN PERFORM 2; END $$;\n");
  expect(analysis.statements.map((statement) => [statement.class, statement.declared?.reason, statement.ignoredDeclaration])).toEqual([
    ['expand', 'it only creates a role when it is missing', undefined],
    ['contract', undefined, '-- cnpg-gitops: expand because I say so, loudly'],
    ['unknown', undefined, undefined],
  ]);
});

test('a malformed directive is a syntax error at its line: no class, or a reason under 10 characters', () => {
  expect(analyzeSql('SELECT 1;\n-- cnpg-gitops: expnad because typo in the class\nSELECT 2;\n').syntaxError).toMatchObject({ line: 2, column: 1, message: expect.stringMatching(/^malformed directive "-- cnpg-gitops: expnad because typo in the class"/) });
  expect(analyzeSql('-- cnpg-gitops: no-transaction because short\nSELECT 1;\n').syntaxError).toMatchObject({ line: 1 });
});

test('a file is transactional only when every statement is, and positions are 1-based lines and columns', () => {
  const analysis = analyzeSql('-- header: ünïcödé before the statements\nALTER TABLE users ADD COLUMN a text;\n\n  CREATE INDEX CONCURRENTLY i ON users (a);\n');
  expect(analysis.transactional).toBe(false);
  expect(analysis.statements.map((s) => [s.line, s.column, s.text])).toEqual([
    [2, 1, 'ALTER TABLE users ADD COLUMN a text'],
    [4, 3, 'CREATE INDEX CONCURRENTLY i ON users (a)'],
  ]);
});

test('a syntax error carries the parser message and its line and column', () => {
  const analysis = analyzeSql('SELECT 1;\nALTER TABLE users ADD COLUMN;\n');
  expect(analysis.statements).toEqual([]);
  expect(analysis.syntaxError).toEqual({ message: 'syntax error at or near ";"', line: 2, column: 29 });
});

test('the same SQL is parsed once and the checksum is the sha256 of its bytes', () => {
  const sql = 'ALTER TABLE t ADD COLUMN once text;';
  expect(analyzeSql(sql)).toBe(analyzeSql(sql));
  expect(analyzeSql(sql).sha256).toBe(`sha256:${require('node:crypto').createHash('sha256').update(sql).digest('hex')}`);
});
