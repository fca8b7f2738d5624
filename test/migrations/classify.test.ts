import { analyzeSql } from '../../src/migrations/analysis';

/** [SQL, class, destructive, transactional, lock warning ids] */
const TABLE: [string, string, boolean, boolean, string[]][] = [
  // expand: additive, the previous release keeps working
  ['CREATE TABLE orders (id bigint PRIMARY KEY, total numeric)', 'expand', false, true, []],
  ['CREATE TABLE archive AS SELECT * FROM orders', 'expand', false, true, []],
  ['ALTER TABLE users ADD COLUMN nickname text', 'expand', false, true, []],
  ["ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active'", 'expand', false, true, []],
  ['ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now()', 'expand', false, true, []],
  ['ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid()', 'expand', false, true, ['LCK004']],
  ['ALTER TABLE users ADD COLUMN seq bigserial', 'expand', false, true, ['LCK004']],
  ['ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id)', 'expand', false, true, ['LCK003']],
  ['ALTER TABLE users ADD COLUMN code text UNIQUE', 'expand', false, true, ['LCK008']],
  ['ALTER TABLE users ADD COLUMN age int CHECK (age > 0)', 'expand', false, true, ['LCK002']],
  ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)', 'expand', false, false, []],
  ['CREATE INDEX users_email_idx ON users (email)', 'expand', false, true, ['LCK001']],
  ['CREATE UNIQUE INDEX CONCURRENTLY users_code_key ON users (code)', 'expand', false, false, []],
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
  ['ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID', 'expand', false, true, []],
  ['ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)', 'expand', false, true, ['LCK003']],
  ['ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID', 'expand', false, true, []],
  ['ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0)', 'expand', false, true, ['LCK002']],
  ['ALTER TABLE orders VALIDATE CONSTRAINT total_positive', 'expand', false, true, []],
  ['ALTER TABLE users ADD CONSTRAINT users_code_key UNIQUE (code)', 'expand', false, true, ['LCK008']],
  ['ALTER TABLE users ADD CONSTRAINT users_code_key UNIQUE USING INDEX users_code_key', 'expand', false, true, []],
  ['GRANT SELECT ON users TO reporting', 'expand', false, true, []],
  // data: backfills
  ["UPDATE users SET email_normalized = lower(email) WHERE email_normalized IS NULL", 'data', false, true, []],
  ["INSERT INTO settings (key, value) VALUES ('theme', 'dark')", 'data', false, true, []],
  ["DELETE FROM sessions WHERE expires_at < now()", 'data', false, true, []],
  ['SELECT count(*) FROM users', 'data', false, true, []],
  ['REFRESH MATERIALIZED VIEW user_stats', 'data', false, true, []],
  // contract: breaking for the previous release
  ['ALTER TABLE users DROP COLUMN email', 'contract', true, true, []],
  ['DROP TABLE legacy_users', 'contract', true, true, []],
  ['DROP SCHEMA old CASCADE', 'contract', true, true, []],
  ['DROP VIEW active_users', 'contract', false, true, []],
  ['DROP FUNCTION f()', 'contract', false, true, []],
  ['DROP INDEX CONCURRENTLY users_email_idx', 'contract', false, false, []],
  ['DROP INDEX users_email_idx', 'contract', false, true, ['LCK001']],
  ['TRUNCATE sessions', 'contract', true, true, []],
  ['DELETE FROM sessions', 'contract', true, true, []],
  ['ALTER TABLE users RENAME COLUMN email TO mail', 'contract', false, true, []],
  ['ALTER TABLE users RENAME TO accounts', 'contract', false, true, []],
  ['ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)', 'contract', true, true, ['LCK007']],
  ['ALTER TABLE orders ALTER COLUMN id TYPE bigint', 'contract', false, true, ['LCK007']],
  ['ALTER TABLE users ALTER COLUMN email_normalized SET NOT NULL', 'contract', false, true, ['LCK006']],
  ['ALTER TABLE users ALTER COLUMN status DROP DEFAULT', 'contract', false, true, []],
  ['ALTER TABLE orders DROP CONSTRAINT total_positive', 'contract', false, true, []],
  ['ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL', 'contract', false, true, []],
  ['REVOKE SELECT ON users FROM reporting', 'contract', false, true, []],
  ['ALTER TABLE users SET SCHEMA archive', 'contract', false, true, []],
  ["ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'", 'contract', false, true, []],
  // neutral
  ["SET lock_timeout = '2s'", 'neutral', false, true, []],
  ['SET lock_timeout = 0', 'neutral', false, true, ['LCK005']],
  ['RESET statement_timeout', 'neutral', false, true, ['LCK005']],
  ["COMMENT ON TABLE users IS 'people'", 'neutral', false, true, []],
  ['ANALYZE users', 'neutral', false, true, []],
  ['VACUUM users', 'neutral', false, false, []],
  ['REINDEX INDEX CONCURRENTLY users_email_idx', 'neutral', false, false, []],
  // the runner owns transactions; some statements are not analysed
  ['BEGIN', 'transaction-control', false, true, []],
  ['COMMIT', 'transaction-control', false, true, []],
  ["DO $$ BEGIN RAISE NOTICE 'hi'; END $$", 'unknown', false, true, []],
];

test('the table covers at least 40 statements of every class', () => {
  expect(TABLE.length).toBeGreaterThanOrEqual(40);
  expect(new Set(TABLE.map((row) => row[1]))).toEqual(new Set(['expand', 'data', 'contract', 'neutral', 'transaction-control', 'unknown']));
});

test.each(TABLE)('%s → %s', (sql, expectedClass, destructive, transactional, warnings) => {
  const analysis = analyzeSql(sql);
  expect(analysis.syntaxError).toBeUndefined();
  expect(analysis.statements).toHaveLength(1);
  const [statement] = analysis.statements;
  expect(statement.class).toBe(expectedClass);
  expect(statement.destructive).toBe(destructive);
  expect(statement.transactional).toBe(transactional);
  expect(statement.lockWarnings.map((warning) => warning.id)).toEqual(warnings);
});

test('a file is transactional only when every statement is, and positions are 1-based lines and columns', () => {
  const analysis = analyzeSql('-- header\nALTER TABLE users ADD COLUMN a text;\n\n  CREATE INDEX CONCURRENTLY i ON users (a);\n');
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
