-- Release 1.4.0, expand: a normalized e-mail column next to the old one. Release 1.3.0 keeps
-- writing only "email"; the trigger dual-writes "email_normalized" for it.
ALTER TABLE users ADD COLUMN email_normalized text;

CREATE FUNCTION users_sync_email_normalized() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.email_normalized := lower(NEW.email);
  RETURN NEW;
END;
$$;

CREATE TRIGGER users_sync_email_normalized
  BEFORE INSERT OR UPDATE OF email ON users
  FOR EACH ROW EXECUTE FUNCTION users_sync_email_normalized();
