-- snippet: drop column
ALTER TABLE users DROP COLUMN legacy_flag;
-- snippet: drop table
DROP TABLE audit_log;
-- snippet: drop table on new table
CREATE TABLE scratch (id int);
DROP TABLE scratch;
-- snippet: drop view
DROP VIEW active_users;
-- snippet: drop materialized view
DROP MATERIALIZED VIEW user_stats;
-- snippet: drop function cascade
DROP FUNCTION normalize_email(text) CASCADE;
-- snippet: drop type cascade
DROP TYPE order_status CASCADE;
-- snippet: drop domain cascade
DROP DOMAIN quantity CASCADE;
-- snippet: drop sequence
DROP SEQUENCE invoice_numbers;
-- snippet: rename column
ALTER TABLE users RENAME COLUMN nickname TO alias;
-- snippet: rename table
ALTER TABLE sessions RENAME TO user_sessions;
-- snippet: rename view
ALTER VIEW active_users RENAME TO current_users;
-- snippet: rename sequence
ALTER SEQUENCE invoice_numbers RENAME TO invoice_seq;
-- snippet: rename function
ALTER FUNCTION normalize_email(text) RENAME TO canonical_email;
-- snippet: rename trigger
ALTER TRIGGER users_touch ON users RENAME TO users_touch_updated;
-- snippet: move table to schema
CREATE SCHEMA archive;
ALTER TABLE audit_log SET SCHEMA archive;
-- snippet: revoke from application
REVOKE INSERT ON orders FROM app;
-- snippet: revoke from reporting
REVOKE SELECT ON users FROM reporting;
-- snippet: restart sequence
ALTER SEQUENCE users_id_seq RESTART WITH 1;
-- snippet: alter sequence cache
ALTER SEQUENCE invoice_numbers CACHE 10;
-- snippet: rename enum value
ALTER TYPE order_status RENAME VALUE 'shipped' TO 'delivered';
-- snippet: drop identity
ALTER TABLE users ALTER COLUMN id DROP IDENTITY;
-- snippet: drop trigger
DROP TRIGGER users_touch ON users;
-- snippet: drop schema cascade
CREATE SCHEMA legacy;
CREATE TABLE legacy.old_data (id int);
DROP SCHEMA legacy CASCADE;
