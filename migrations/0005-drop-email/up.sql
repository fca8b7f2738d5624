-- Release 1.5.0, contract: release 1.4.0 reads and writes only "email_normalized", so the old
-- column and its dual-write trigger go. This destroys data: the rollback plan is PITR.
DROP TRIGGER users_sync_email_normalized ON users;
DROP FUNCTION users_sync_email_normalized();
ALTER TABLE users DROP COLUMN email;
