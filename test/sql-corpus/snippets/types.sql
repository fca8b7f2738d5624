-- snippet: varchar to text
ALTER TABLE users ALTER COLUMN nickname TYPE text;
-- snippet: widen varchar
ALTER TABLE users ALTER COLUMN nickname TYPE varchar(80);
-- snippet: narrow varchar
ALTER TABLE users ALTER COLUMN nickname TYPE varchar(20);
-- snippet: int to bigint
ALTER TABLE users ALTER COLUMN age TYPE bigint;
-- snippet: numeric widen precision
ALTER TABLE users ALTER COLUMN score TYPE numeric(12,2);
-- snippet: numeric narrow scale
ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,1);
-- snippet: numeric to unconstrained numeric
ALTER TABLE orders ALTER COLUMN total TYPE numeric;
-- snippet: integer to text
ALTER TABLE users ALTER COLUMN age TYPE text;
-- snippet: boolean to integer with using
ALTER TABLE users ALTER COLUMN legacy_flag TYPE integer USING legacy_flag::integer;
-- snippet: jsonb payload to text
ALTER TABLE events_2025 ALTER COLUMN payload TYPE text;
-- snippet: enum column to text
ALTER TABLE orders ALTER COLUMN status TYPE text;
-- snippet: type change on new table
CREATE TABLE drafts (id int PRIMARY KEY, body varchar(10));
ALTER TABLE drafts ALTER COLUMN id TYPE bigint;
-- snippet: text to varchar bounded
ALTER TABLE audit_log ALTER COLUMN message TYPE varchar(200);
-- snippet: timestamptz precision
ALTER TABLE audit_log ALTER COLUMN logged_at TYPE timestamptz(0);
