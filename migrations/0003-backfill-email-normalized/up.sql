-- Release 1.4.0, migrate: fill the new column for rows written before the trigger existed.
UPDATE users SET email_normalized = lower(email) WHERE email_normalized IS NULL;
