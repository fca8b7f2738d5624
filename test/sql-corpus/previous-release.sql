-- What the previous release of the application does, one statement a line, as the owner "app".
-- "core": its everyday queries; a failure or a changed result means the snippet broke it (contract).
-- "edge": writes the old schema accepts that a new constraint may reject (narrowing).
-- core
SELECT id, email, name, nickname, age, score, status, created_at, updated_at, legacy_flag FROM users WHERE id = 1;
INSERT INTO users (email, name, nickname, age, score, status, legacy_flag) VALUES ('prev1@example.com', 'Prev', 'p', 30, 12.5, 'active', false) RETURNING id IS NOT NULL;
INSERT INTO users (email) VALUES ('prev2@example.com') RETURNING created_at IS NOT NULL;
UPDATE users SET name = 'Renamed', age = 31, score = 1.5, legacy_flag = true, nickname = 'n' WHERE id = 2 RETURNING updated_at IS NOT NULL;
SELECT id, email, name FROM active_users WHERE id = 1;
SELECT normalize_email('A@Example.com');
SELECT nextval('invoice_numbers') > 0;
SELECT id, user_id, total, quantity, status, note, placed_at FROM orders WHERE id = 1;
INSERT INTO orders (user_id, total, quantity, note) VALUES (5, 19.99, 2, 'x') RETURNING id IS NOT NULL;
UPDATE orders SET status = 'shipped' WHERE id = 2;
INSERT INTO sessions (id, user_id, token, expires_at) VALUES (900001, 3, 'tok', now() + interval '1 day');
DELETE FROM sessions WHERE id = 5;
SELECT token FROM sessions WHERE id = 10;
INSERT INTO events (id, happened_at, payload) VALUES (900001, '2024-06-01', '{"a": 1}');
SELECT id, happened_at, payload FROM events WHERE happened_at = '2024-06-01' ORDER BY id LIMIT 1;
INSERT INTO audit_log (id, message, logged_at) VALUES (900001, 'm', now());
SELECT user_id, status, orders FROM user_stats WHERE user_id = 1;
INSERT INTO settings (key, value) VALUES ('theme', 'dark') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
SELECT key, value FROM settings WHERE key = 'k1';
INSERT INTO metrics (id, day, value) VALUES (1, '2024-02-02', 1);
-- edge
INSERT INTO users (email, name, nickname, age, score, status, legacy_flag) VALUES ('user1@example.com', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO users (email, name, nickname, age, score) VALUES ('edge2@example.com', repeat('n', 100), repeat('k', 50), -5, -99999999.99);
INSERT INTO users (email, status) VALUES ('no-at-sign', 'weird');
UPDATE users SET email = 'user3@example.com' WHERE id = 4;
INSERT INTO orders (user_id, total, quantity, status, note) VALUES (999999, -10.00, -1, 'new', NULL);
INSERT INTO orders (user_id, total, quantity) VALUES (NULL, NULL, NULL);
INSERT INTO orders (user_id, total) VALUES (1, 9999999999.99);
DELETE FROM users WHERE id = 7;
INSERT INTO sessions (id, user_id, token, expires_at) VALUES (900002, 8, md5('1'), now());
INSERT INTO events (id, happened_at, payload) VALUES (900002, '2026-03-01', NULL);
INSERT INTO audit_log (id, message) VALUES (NULL, NULL);
INSERT INTO audit_log (id, message) VALUES (1, 'duplicate id');
INSERT INTO audit_log (id, message) VALUES (2, repeat('m', 300));
INSERT INTO metrics (id, day, value) VALUES (NULL, '2024-03-03', -1);
INSERT INTO settings (key, value) VALUES ('k-null', NULL);
INSERT INTO settings (key, value) VALUES (repeat('k', 30), 'v1');
INSERT INTO sessions (id, user_id, token, expires_at) VALUES (900004, 9, 'old', '1999-12-31');
INSERT INTO users (email, age) VALUES ('old@example.com', 250);
