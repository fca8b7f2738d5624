-- Release 1.4.0, expand: look-ups by normalized e-mail. CONCURRENTLY keeps writes flowing, and
-- cannot run in a transaction: the runner runs this file statement by statement.
CREATE UNIQUE INDEX CONCURRENTLY users_email_normalized_key ON users (email_normalized);
