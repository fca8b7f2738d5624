-- snippet: whole table update
UPDATE audit_log SET message = lower(message);
-- snippet: whole table update with where on null
UPDATE users SET updated_at = created_at WHERE updated_at IS NULL;
-- snippet: batched update by key range
UPDATE users SET updated_at = created_at WHERE id BETWEEN 1 AND 500;
-- snippet: batched update by limit subquery
UPDATE orders SET note = 'legacy' WHERE id IN (SELECT id FROM orders WHERE note IS NULL ORDER BY id LIMIT 500);
-- snippet: single row update
UPDATE settings SET value = 'on' WHERE key = 'k1';
-- snippet: delete expired sessions
DELETE FROM sessions WHERE expires_at < now();
-- snippet: delete every row
DELETE FROM audit_log;
-- snippet: delete single row
DELETE FROM audit_log WHERE id = 10;
-- snippet: delete batch by range
DELETE FROM audit_log WHERE id BETWEEN 1 AND 300;
-- snippet: insert seed rows
INSERT INTO settings (key, value) VALUES ('feature_x', 'off'), ('feature_y', 'on');
-- snippet: insert select copy
INSERT INTO audit_log (id, message, logged_at) SELECT id + 100000, message, logged_at FROM audit_log WHERE id <= 100;
-- snippet: update with join
UPDATE orders o SET note = 'vip' FROM users u WHERE u.id = o.user_id AND u.score > 99;
-- snippet: merge settings
MERGE INTO settings s USING (VALUES ('k1', 'x')) AS v(key, value) ON s.key = v.key WHEN MATCHED THEN UPDATE SET value = v.value WHEN NOT MATCHED THEN INSERT VALUES (v.key, v.value);
-- snippet: truncate
TRUNCATE audit_log;
-- snippet: select count
SELECT count(*) FROM users;
-- snippet: select by key
SELECT email FROM users WHERE id = 5;
-- snippet: update enum column all rows
UPDATE orders SET status = 'paid' WHERE status = 'new';
-- snippet: delete by status
DELETE FROM users WHERE status = 'inactive';
-- snippet: update every row of small table
UPDATE settings SET value = upper(value);
