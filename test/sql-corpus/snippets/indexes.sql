-- snippet: create index
CREATE INDEX users_name_idx ON users (name);
-- snippet: create index concurrently
CREATE INDEX CONCURRENTLY users_name_idx ON users (name);
-- snippet: create unique index
CREATE UNIQUE INDEX users_lower_email_key ON users (lower(email));
-- snippet: create partial index
CREATE INDEX orders_gift_idx ON orders (placed_at) WHERE note = 'gift';
-- snippet: create expression index concurrently
CREATE INDEX CONCURRENTLY users_lower_email_idx ON users (lower(email));
-- snippet: create index on new table
CREATE TABLE coupons (id bigint PRIMARY KEY, code text NOT NULL);
CREATE INDEX coupons_code_idx ON coupons (code);
-- snippet: create unique index on new table
CREATE TABLE vouchers (id bigint PRIMARY KEY, code text NOT NULL);
CREATE UNIQUE INDEX vouchers_code_key ON vouchers (code);
-- snippet: create index on small table
CREATE INDEX settings_value_idx ON settings (value);
-- snippet: drop index
DROP INDEX orders_user_id_idx;
-- snippet: drop index concurrently
DROP INDEX CONCURRENTLY orders_user_id_idx;
-- snippet: rename index
ALTER INDEX users_created_at_idx RENAME TO users_created_idx;
-- snippet: create index concurrently with set
SET maintenance_work_mem = '256MB';
CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);
-- snippet: create index concurrently with other ddl
ALTER TABLE orders ADD COLUMN channel text;
CREATE INDEX CONCURRENTLY orders_channel_idx ON orders (channel);
-- snippet: create index if not exists on existing name
CREATE INDEX IF NOT EXISTS users_created_at_idx ON users (created_at);
-- snippet: create brin index
CREATE INDEX audit_log_logged_at_brin ON audit_log USING brin (logged_at);
-- snippet: alter index set statistics
ALTER INDEX users_created_at_idx SET (fillfactor = 80);
