-- snippet: set lock timeout
SET lock_timeout = '2s';
-- snippet: set lock timeout zero
SET lock_timeout = 0;
-- snippet: set statement timeout zero string
SET statement_timeout = '0';
-- snippet: reset lock timeout
RESET lock_timeout;
-- snippet: set statement timeout to default
SET statement_timeout TO DEFAULT;
-- snippet: set local lock timeout
SET LOCAL lock_timeout = '1s';
ALTER TABLE users ADD COLUMN flag1 boolean;
-- snippet: add enum value
ALTER TYPE order_status ADD VALUE 'refunded';
-- snippet: add enum value and use it
ALTER TYPE order_status ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE id = 1;
-- snippet: add enum value and use it without transaction
-- cnpg-gitops: no-transaction because the new enum value must be committed before it is used
ALTER TYPE order_status ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE id = 1;
-- snippet: add enum value and default
ALTER TYPE order_status ADD VALUE 'draft';
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'draft';
-- snippet: create enum and use it
CREATE TYPE priority AS ENUM ('low', 'high');
ALTER TABLE orders ADD COLUMN priority priority DEFAULT 'low';
-- snippet: create domain
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
-- snippet: alter domain add constraint
ALTER DOMAIN quantity ADD CONSTRAINT quantity_positive CHECK (VALUE > 0);
-- snippet: alter domain add constraint not valid
ALTER DOMAIN quantity ADD CONSTRAINT quantity_positive CHECK (VALUE > 0) NOT VALID;
-- snippet: alter domain set not null
ALTER DOMAIN quantity SET NOT NULL;
-- snippet: disable trigger
ALTER TABLE users DISABLE TRIGGER users_touch;
-- snippet: enable trigger
ALTER TABLE users ENABLE TRIGGER users_touch;
-- snippet: enable row level security
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
-- snippet: force row level security
ALTER TABLE orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- snippet: create policy
CREATE POLICY orders_own ON orders USING (true);
-- snippet: do block declared expand
-- cnpg-gitops: expand because it only creates the feature_flags table when it is missing
DO $$ BEGIN IF to_regclass('feature_flags') IS NULL THEN CREATE TABLE feature_flags (name text PRIMARY KEY); END IF; END $$;
-- snippet: do block undeclared
DO $$ BEGIN PERFORM 1; END $$;
-- snippet: do block declared data
-- cnpg-gitops: data because it backfills one settings row when it is missing
DO $$ BEGIN IF NOT EXISTS (SELECT FROM settings WHERE key = 'k11') THEN INSERT INTO settings VALUES ('k11', 'v'); END IF; END $$;
-- snippet: comment on table
COMMENT ON TABLE users IS 'people who sign in';
-- snippet: grant select
GRANT SELECT ON orders TO reporting;
-- snippet: create view
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 400;
-- snippet: replace view adding column
CREATE OR REPLACE VIEW active_users AS SELECT id, email, name, created_at FROM users WHERE status = 'active';
-- snippet: create function
CREATE FUNCTION order_count(uid bigint) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM orders WHERE user_id = uid $$;
-- snippet: replace function
CREATE OR REPLACE FUNCTION normalize_email(address text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(trim(address)) $$;
-- snippet: create extension
CREATE EXTENSION IF NOT EXISTS pgcrypto;
-- snippet: create schema and table
CREATE SCHEMA reporting_views;
CREATE TABLE reporting_views.daily (day date PRIMARY KEY, orders bigint);
-- snippet: create sequence
CREATE SEQUENCE ticket_numbers;
-- snippet: create trigger
CREATE TRIGGER users_touch_insert BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
-- snippet: alter function volatility
ALTER FUNCTION random_code() STABLE;
-- snippet: begin commit
BEGIN;
ALTER TABLE users ADD COLUMN flag2 boolean;
COMMIT;
-- snippet: create table with everything
CREATE TABLE subscriptions (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), plan text NOT NULL CHECK (plan <> ''), started_at timestamptz NOT NULL DEFAULT now());
-- snippet: explain
EXPLAIN SELECT * FROM users WHERE id = 1;
-- snippet: create enum add value and use it
CREATE TYPE channel AS ENUM ('web');
ALTER TYPE channel ADD VALUE 'app';
SELECT 'app'::channel;
