-- snippet: not valid then validate in one transaction
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
-- snippet: not valid then validate without transaction
-- cnpg-gitops: no-transaction because VALIDATE must not run under the lock of ADD CONSTRAINT
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
-- snippet: foreign key not valid then validate in one transaction
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
-- snippet: foreign key not valid then validate without transaction
-- cnpg-gitops: no-transaction because each statement must commit before the next takes its lock
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
-- snippet: add column then backfill
ALTER TABLE users ADD COLUMN display_name text;
UPDATE users SET display_name = coalesce(nickname, name);
-- snippet: add column then backfill without transaction
-- cnpg-gitops: no-transaction because the backfill must not run under the lock of ADD COLUMN
ALTER TABLE users ADD COLUMN display_name text;
UPDATE users SET display_name = coalesce(nickname, name);
-- snippet: add column then index
ALTER TABLE orders ADD COLUMN region text;
CREATE INDEX orders_region_idx ON orders (region);
-- snippet: add column on one table then index another
ALTER TABLE users ADD COLUMN region text;
CREATE INDEX orders_note_idx ON orders (note);
-- snippet: add column then select count
ALTER TABLE users ADD COLUMN country text;
SELECT count(*) FROM orders;
-- snippet: add column then bounded update
ALTER TABLE users ADD COLUMN verified boolean;
UPDATE users SET verified = true WHERE id = 1;
-- snippet: two instant alters
ALTER TABLE users ADD COLUMN a1 text;
ALTER TABLE orders ADD COLUMN a2 text;
-- snippet: add column then add check validated
ALTER TABLE users ADD COLUMN karma int;
ALTER TABLE users ADD CONSTRAINT users_age_sane CHECK (age < 200);
-- snippet: lock table then rewrite other
LOCK TABLE sessions IN SHARE MODE;
ALTER TABLE audit_log SET TABLESPACE archive_space;
-- snippet: lock table alone
LOCK TABLE users IN ACCESS EXCLUSIVE MODE;
-- snippet: lock table then update
LOCK TABLE settings IN EXCLUSIVE MODE;
UPDATE audit_log SET message = upper(message);
-- snippet: add check not null not valid validate and set not null in one transaction
ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_name_nn;
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
-- snippet: add check not null not valid validate and set not null without transaction
-- cnpg-gitops: no-transaction because the validation must run without the ADD CONSTRAINT lock
ALTER TABLE users ADD CONSTRAINT users_score_nn CHECK (score IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_score_nn;
ALTER TABLE users ALTER COLUMN score SET NOT NULL;
-- snippet: create table then copy rows
CREATE TABLE users_archive (LIKE users);
INSERT INTO users_archive SELECT * FROM users WHERE status = 'inactive';
-- snippet: add column then create table as
ALTER TABLE orders ADD COLUMN batch int;
CREATE TABLE order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
-- snippet: trigger then backfill
CREATE TRIGGER users_touch_insert BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
UPDATE users SET nickname = nickname WHERE id BETWEEN 1 AND 100;
-- snippet: set default then rewrite another table
ALTER TABLE users ALTER COLUMN status SET DEFAULT 'pending';
ALTER TABLE audit_log SET TABLESPACE archive_space;
-- snippet: drop column then vacuum analyze other
ALTER TABLE users DROP COLUMN legacy_flag;
ANALYZE orders;
-- snippet: rename then refresh
ALTER TABLE settings RENAME COLUMN value TO val;
REFRESH MATERIALIZED VIEW user_stats;
-- snippet: add foreign key not valid then delete orphan rows
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
DELETE FROM orders WHERE user_id NOT IN (SELECT id FROM users);
-- snippet: create index concurrently and validate in no transaction
-- cnpg-gitops: no-transaction because the index and the check commit independently
CREATE INDEX CONCURRENTLY users_age_idx ON users (age);
ALTER TABLE metrics_2025 VALIDATE CONSTRAINT metrics_2025_bound;
