-- snippet: add check constraint validated
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
-- snippet: add check constraint not valid
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
-- snippet: validate check constraint alone
ALTER TABLE metrics_2025 VALIDATE CONSTRAINT metrics_2025_bound;
-- snippet: add foreign key validated
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
-- snippet: add foreign key not valid
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
-- snippet: add unique constraint
ALTER TABLE sessions ADD CONSTRAINT sessions_token_key UNIQUE (token);
-- snippet: add unique constraint using index
CREATE UNIQUE INDEX sessions_token_idx ON sessions (token);
ALTER TABLE sessions ADD CONSTRAINT sessions_token_key UNIQUE USING INDEX sessions_token_idx;
-- snippet: add primary key
ALTER TABLE audit_log ADD PRIMARY KEY (id);
-- snippet: set not null
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
-- snippet: set not null after validated check
ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL);
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
-- snippet: drop not null
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
-- snippet: drop check constraint
ALTER TABLE metrics_2025 DROP CONSTRAINT metrics_2025_bound;
-- snippet: drop foreign key
ALTER TABLE sessions DROP CONSTRAINT sessions_user_id_fkey;
-- snippet: drop primary key of settings
ALTER TABLE settings DROP CONSTRAINT settings_pkey;
-- snippet: rename constraint
ALTER TABLE sessions RENAME CONSTRAINT sessions_user_id_fkey TO sessions_user_fk;
-- snippet: add exclusion constraint
ALTER TABLE settings ADD CONSTRAINT settings_value_excl EXCLUDE USING btree (value WITH =);
-- snippet: add check on small table
ALTER TABLE settings ADD CONSTRAINT settings_key_length CHECK (length(key) < 20);
-- snippet: check on column added in same file
ALTER TABLE users ADD COLUMN level int;
ALTER TABLE users ADD CONSTRAINT users_level_range CHECK (level BETWEEN 1 AND 10) NOT VALID;
-- snippet: foreign key on new table
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL);
ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
-- snippet: set default on existing column
ALTER TABLE users ALTER COLUMN status SET DEFAULT 'pending';
-- snippet: drop default of required column
ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;
-- snippet: add check constraint on sessions validated
ALTER TABLE sessions ADD CONSTRAINT sessions_expiry_sane CHECK (expires_at > '2000-01-01');
-- snippet: add unique index concurrently
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
-- snippet: add not null check not valid then set not null in later file
ALTER TABLE users ADD CONSTRAINT users_age_not_null CHECK (age IS NOT NULL) NOT VALID;
-- snippet: set not null on new column
ALTER TABLE users ADD COLUMN external_id text;
ALTER TABLE users ALTER COLUMN external_id SET NOT NULL;
