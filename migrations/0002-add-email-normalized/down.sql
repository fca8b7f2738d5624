DROP TRIGGER users_sync_email_normalized ON users;
DROP FUNCTION users_sync_email_normalized();
ALTER TABLE users DROP COLUMN email_normalized;
