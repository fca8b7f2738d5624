/**
 * The scripts a migration Job runs, mounted from the database's scripts ConfigMap. The shell
 * scripts are POSIX sh (no bash, GNU date or jq), so they run in the kubectl image and in the
 * PostgreSQL image alike; values reach SQL only as psql variables (`:'name'`, quoted by psql),
 * never spliced into SQL text; nothing sources a file; and none of them contains `${`, which
 * Flux post-build substitution would rewrite.
 *
 * A Job's containers, in order:
 * 1. `ledger` (PostgreSQL image, no API access): decides from the ledger whether the migration
 *    still has to run, and waits (bounded) for the migration before it to be applied.
 * 2. `gate` (kubectl image, the only container with the API token): ties the Job to the Cluster's
 *    lifetime and, unless the migration is applied, refuses to let it start without WAL
 *    archiving, then takes the pre-migration Backup and waits for it.
 * 3. `migrate` (PostgreSQL image): one psql session that holds the database's migration lock
 *    while it checks the ledger again, creates the restore point, applies the SQL and records
 *    it. A migration with its own image runs `run.sh checkpoint` in an init container, then its
 *    tool (another init container), then `run.sh record` as the main container.
 */

/** The advisory lock every migration session of a database holds (docs/migrations.md). */
export const MIGRATION_LOCK_KEY = "hashtextextended('cnpg-gitops migrations', 0)";

/**
 * ledger.sh (init container, PostgreSQL image): creates the ledger cnpg_gitops.applied_migrations
 * (as the database owner) if needed, then writes CHECKPOINT_DIR/state: `applied` when the
 * migration is in it with the same SQL (everything after is then a no-op), `pending` otherwise.
 * Refuses when the migration was applied with different SQL, when the migration before it
 * (AFTER_MIGRATION, the Job's cnpg-gitops.io/after annotation) is not applied with its SQL
 * within WAIT_TIMEOUT_SECONDS, or when the role may not create restore points.
 * Env: libpq variables, DATABASE_OWNER, MIGRATION_ID, SQL_SHA256, AFTER_MIGRATION, AFTER_SHA256,
 * WAIT_TIMEOUT_SECONDS, POLL_SECONDS, CHECKPOINT_DIR.
 */
export const LEDGER_SCRIPT = `#!/bin/sh
set -eu
fail() { echo "ledger: $*" >&2; exit 1; }
q() { psql -X -v ON_ERROR_STOP=1 -v VERBOSITY=terse -At -q "$@"; }

# Created, or given the columns this version records, only when needed: the steady state takes no lock.
q -v owner="$DATABASE_OWNER" <<'SQL'
SET client_min_messages = warning;
SELECT NOT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'cnpg_gitops' AND table_name = 'applied_migrations' AND column_name = 'backup_id') AS outdated \\gset
\\if :outdated
  SET ROLE :"owner";
  CREATE SCHEMA IF NOT EXISTS cnpg_gitops;
  CREATE TABLE IF NOT EXISTS cnpg_gitops.applied_migrations (id text PRIMARY KEY, sql_sha256 text NOT NULL, job text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
  ALTER TABLE cnpg_gitops.applied_migrations
    ADD COLUMN IF NOT EXISTS started_at timestamptz,
    ADD COLUMN IF NOT EXISTS restore_point text,
    ADD COLUMN IF NOT EXISTS restore_point_lsn pg_lsn,
    ADD COLUMN IF NOT EXISTS backup_name text,
    ADD COLUMN IF NOT EXISTS backup_id text;
\\endif
SQL

applied_sha() {
  q -v id="$1" <<'SQL'
SELECT coalesce((SELECT sql_sha256 FROM cnpg_gitops.applied_migrations WHERE id = :'id'), '');
SQL
}

applied=$(applied_sha "$MIGRATION_ID")
if [ "$applied" = "$SQL_SHA256" ]; then
  echo "ledger: $MIGRATION_ID is already applied with the same SQL: nothing runs (no backup, no restore point)"
  echo applied > "$CHECKPOINT_DIR/state"
  exit 0
fi
[ -z "$applied" ] || fail "refusing: $MIGRATION_ID was applied with different SQL ($applied, now $SQL_SHA256); ship a new migration instead of editing an applied one"

if [ -n "$AFTER_MIGRATION" ]; then
  deadline=$(( $(date -u +%s) + WAIT_TIMEOUT_SECONDS ))
  while :; do
    after=$(applied_sha "$AFTER_MIGRATION")
    [ "$after" != "$AFTER_SHA256" ] || break
    [ -z "$after" ] || fail "refusing to start $MIGRATION_ID: the migration before it, $AFTER_MIGRATION, was applied with other SQL ($after, expected $AFTER_SHA256)"
    [ "$(date -u +%s)" -lt "$deadline" ] || fail "refusing to start $MIGRATION_ID: the migration before it, $AFTER_MIGRATION (annotation cnpg-gitops.io/after), is not in cnpg_gitops.applied_migrations after $WAIT_TIMEOUT_SECONDS s; it must be applied first (its own Flux stage), or this cluster restored from one that has it"
    echo "ledger: waiting for $AFTER_MIGRATION, the migration before $MIGRATION_ID, to be applied"
    sleep "$POLL_SECONDS"
  done
fi

allowed=$(q <<'SQL'
SELECT has_function_privilege('pg_catalog.pg_create_restore_point(text)', 'EXECUTE') AND has_function_privilege('pg_catalog.pg_switch_wal()', 'EXECUTE');
SQL
)
[ "$allowed" = t ] || fail "refusing: role $PGUSER may not create restore points or switch WAL segments; grant it once as superuser: GRANT EXECUTE ON FUNCTION pg_catalog.pg_create_restore_point(text), pg_catalog.pg_switch_wal() TO $PGUSER (docs/migrations.md, Upgrading)"
echo pending > "$CHECKPOINT_DIR/state"
echo "ledger: $MIGRATION_ID is not applied yet; the migration before it is"
`;

/**
 * gate.sh (init container, kubectl image): makes the Cluster the owner of the Job, so that
 * deleting the cluster (a develop reset, a staging re-clone, retiring it after a rollback)
 * deletes the Job and Flux creates it again for the new cluster. Unless the ledger said the
 * migration is applied, it then refuses to let the migration start unless the cluster's WAL
 * archiving works, takes the pre-migration Backup (a plugin Backup of the primary, named after
 * this pod and owned by the Cluster), waits for it and refuses when it failed or is older than
 * MAX_BACKUP_AGE_SECONDS. So a migration that runs always has a backup taken right before it,
 * and one that does not run costs no backup. Writes the Backup's name, barman id and stop time
 * (each checked) to CHECKPOINT_DIR.
 * Env: JOB_NAME, MIGRATION_ID, CLUSTER_NAME, NAMESPACE, HOSTNAME (the pod's name),
 * MAX_BACKUP_AGE_SECONDS, WAIT_TIMEOUT_SECONDS, POLL_SECONDS, CHECKPOINT_DIR.
 */
export const GATE_SCRIPT = `#!/bin/sh
set -euf

fail() { echo "gate: $*" >&2; exit 1; }

# Seconds since 1970 of an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ" (what Kubernetes writes),
# with POSIX shell arithmetic only (days from the civil calendar). "1$m - 100" reads "08" as 8.
epoch() {
  IFS='-T:Z' read -r y m d hh mm ss rest <<EOF
$1
EOF
  y=$(( 1$y - 10000 )); m=$(( 1$m - 100 )); d=$(( 1$d - 100 )); hh=$(( 1$hh - 100 )); mm=$(( 1$mm - 100 )); ss=$(( 1$ss - 100 ))
  y=$(( m <= 2 ? y - 1 : y ))
  era=$(( y / 400 )); yoe=$(( y - era * 400 ))
  doy=$(( (153 * ((m + 9) % 12) + 2) / 5 + d - 1 ))
  doe=$(( yoe * 365 + yoe / 4 - yoe / 100 + doy ))
  echo $(( (era * 146097 + doe - 719468) * 86400 + hh * 3600 + mm * 60 + ss ))
}

uid=$(kubectl get clusters.postgresql.cnpg.io "$CLUSTER_NAME" -n "$NAMESPACE" -o jsonpath='{.metadata.uid}') || fail "cannot read cluster $CLUSTER_NAME"
case "$uid" in
  ''|*[!0-9a-f-]*) fail "cluster $CLUSTER_NAME has an unreadable uid \\"$uid\\"" ;;
esac
owner="{\\"apiVersion\\":\\"postgresql.cnpg.io/v1\\",\\"kind\\":\\"Cluster\\",\\"name\\":\\"$CLUSTER_NAME\\",\\"uid\\":\\"$uid\\"}"
kubectl patch jobs.batch "$JOB_NAME" -n "$NAMESPACE" --type=merge -p "{\\"metadata\\":{\\"ownerReferences\\":[$owner]}}" >/dev/null \\
  || fail "cannot make cluster $CLUSTER_NAME the owner of Job $JOB_NAME"

if [ "$(cat "$CHECKPOINT_DIR/state")" = applied ]; then
  echo "gate: the migration is already applied; it needs no backup"
  exit 0
fi

archiving=$(kubectl get clusters.postgresql.cnpg.io "$CLUSTER_NAME" -n "$NAMESPACE" \\
  -o jsonpath='{.status.conditions[?(@.type=="ContinuousArchiving")].status}') || fail "cannot read cluster $CLUSTER_NAME"
[ "$archiving" = "True" ] || fail "refusing to migrate: WAL archiving of cluster $CLUSTER_NAME is not working (ContinuousArchiving=\\"$archiving\\"), so there is no point-in-time recovery to roll back to"

backup="$HOSTNAME"
case "$backup" in
  ''|*[!a-z0-9-]*) fail "unreadable pod name \\"$backup\\"" ;;
esac
kubectl create -f - >/dev/null <<EOF || fail "cannot create the pre-migration backup $backup"
{"apiVersion": "postgresql.cnpg.io/v1", "kind": "Backup",
 "metadata": {"name": "$backup", "namespace": "$NAMESPACE", "ownerReferences": [$owner],
   "labels": {"cnpg-gitops.io/migration": "$MIGRATION_ID", "cnpg-gitops.io/cluster": "$CLUSTER_NAME", "app.kubernetes.io/managed-by": "cnpg-gitops"}},
 "spec": {"cluster": {"name": "$CLUSTER_NAME"}, "method": "plugin", "pluginConfiguration": {"name": "barman-cloud.cloudnative-pg.io"}, "target": "primary"}}
EOF
echo "gate: took the pre-migration backup $backup of cluster $CLUSTER_NAME"

deadline=$(( $(date -u +%s) + WAIT_TIMEOUT_SECONDS ))
while :; do
  status=$(kubectl get backups.postgresql.cnpg.io "$backup" -n "$NAMESPACE" \\
    -o jsonpath='{.status.phase}|{.status.stoppedAt}|{.status.backupId}|{.status.error}|') || status='not found||||'
  IFS='|' read -r phase stopped_at backup_id error rest <<EOF
$status
EOF
  case "$phase" in
    completed) break ;;
    failed|'invalid backup definition'|walArchivingFailing)
      fail "refusing to migrate: pre-migration backup $backup is $phase: $error" ;;
  esac
  [ "$(date -u +%s)" -lt "$deadline" ] || fail "refusing to migrate: pre-migration backup $backup is still \\"$phase\\" after $WAIT_TIMEOUT_SECONDS s"
  echo "gate: waiting for backup $backup (phase \\"$phase\\")"
  sleep "$POLL_SECONDS"
done

case "$stopped_at" in
  [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z) ;;
  *) fail "refusing to migrate: backup $backup has an unreadable stoppedAt \\"$stopped_at\\"" ;;
esac
case "$backup_id" in
  [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]) ;;
  *) fail "refusing to migrate: backup $backup has no barman backup id (status.backupId \\"$backup_id\\", expected YYYYMMDDTHHMMSS)" ;;
esac
age=$(( $(date -u +%s) - $(epoch "$stopped_at") ))
[ "$age" -le "$MAX_BACKUP_AGE_SECONDS" ] || fail "refusing to migrate: pre-migration backup $backup completed $age s ago, more than the $MAX_BACKUP_AGE_SECONDS s allowed; delete the Job so Flux runs it again with a new backup"

printf '%s\\n' "$backup" > "$CHECKPOINT_DIR/backup-name"
printf '%s\\n' "$backup_id" > "$CHECKPOINT_DIR/backup-id"
printf '%s\\n' "$stopped_at" > "$CHECKPOINT_DIR/backup-stopped-at"
echo "gate: backup $backup ($backup_id) completed; the migration may start"
`;

/**
 * run.sql: the migrate container's one psql session. It takes the database's migration lock
 * (waiting up to LOCK_WAIT_SECONDS) and checks the ledger again under it; then, as run.sh chose:
 * `checkpoint` creates the restore point before-<migration> and records its LSN and the start
 * time from the database clock (the container's termination message: what a rollback targets);
 * `apply` runs the SQL as the database owner, in one transaction when every statement allows it;
 * `record` writes the ledger row and switches the WAL segment, so the migration's commits reach
 * the archive (a time target needs a later commit there).
 */
export const RUN_SQL = `\\set ON_ERROR_STOP on
\\set VERBOSITY terse
SET client_min_messages = warning;
SELECT format('run: taking the migration lock of database %s (waiting up to %s s while another migration holds it)', current_database(), :'lock_wait_seconds');
SELECT set_config('lock_timeout', :'lock_wait_seconds' || 's', false), set_config('statement_timeout', '0', false) \\g /dev/null
SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY}) \\g /dev/null
RESET lock_timeout;
RESET statement_timeout;
SELECT set_config('cnpg_gitops.migration', :'migration', false), set_config('cnpg_gitops.sql_sha256', :'sql_sha256', false),
  set_config('cnpg_gitops.after', :'after', false), set_config('cnpg_gitops.after_sha256', :'after_sha256', false) \\g /dev/null
DO $$
DECLARE
  migration text := current_setting('cnpg_gitops.migration');
  after text := current_setting('cnpg_gitops.after');
  applied text;
BEGIN
  SELECT sql_sha256 INTO applied FROM cnpg_gitops.applied_migrations WHERE id = migration;
  IF applied IS NOT NULL AND applied <> current_setting('cnpg_gitops.sql_sha256') THEN
    RAISE EXCEPTION 'run: refusing: % was applied with different SQL (%, now %); ship a new migration instead of editing an applied one', migration, applied, current_setting('cnpg_gitops.sql_sha256');
  END IF;
  IF applied IS NULL AND after <> '' AND NOT EXISTS (SELECT FROM cnpg_gitops.applied_migrations WHERE id = after AND sql_sha256 = current_setting('cnpg_gitops.after_sha256')) THEN
    RAISE EXCEPTION 'run: refusing to start %: the migration before it, %, is not applied with its SQL', migration, after;
  END IF;
END $$;
SELECT EXISTS (SELECT FROM cnpg_gitops.applied_migrations WHERE id = :'migration') AS already_applied \\gset
\\if :already_applied
  SELECT format('run: %s is already applied with the same SQL: nothing to do', :'migration');
  \\q
\\endif
\\if :checkpoint
  SELECT pg_create_restore_point('before-' || :'migration') AS restore_point_lsn, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at \\gset
  SELECT json_build_object('migration', :'migration', 'sqlSha256', :'sql_sha256', 'backup', :'backup_name', 'backupId', :'backup_id',
    'backupStoppedAt', :'backup_stopped_at', 'restorePoint', 'before-' || :'migration', 'restorePointLsn', :'restore_point_lsn', 'startedAt', :'started_at')::text AS checkpoint_record \\gset
  SELECT 'checkpoint: ' || :'checkpoint_record';
  \\o :termination_log
  \\qecho :checkpoint_record
  \\o :started_at_file
  \\qecho :started_at
  \\o :restore_point_lsn_file
  \\qecho :restore_point_lsn
  \\o
\\endif
\\if :apply
  SET ROLE :"owner";
  \\if :transactional
    BEGIN;
  \\else
    SELECT 'run: the SQL has statements that cannot run in a transaction; running it statement by statement';
  \\endif
  \\i :sql_file
\\endif
\\if :record
  INSERT INTO cnpg_gitops.applied_migrations (id, sql_sha256, job, started_at, restore_point, restore_point_lsn, backup_name, backup_id)
    VALUES (:'migration', :'sql_sha256', :'job', :'started_at', 'before-' || :'migration', :'restore_point_lsn', :'backup_name', :'backup_id');
  \\if :transactional
    COMMIT;
  \\endif
  RESET ROLE;
  SELECT format('run: %s applied at %s; WAL switched at %s', :'migration', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), pg_switch_wal());
  \\if :cloned
    SELECT 'run: validation record for this environment''s config (migrationValidations):';
    SELECT format('  { migration: %L, sqlSha256: %L, validatedAt: %L, clonedOn: %L },', :'migration', :'sql_sha256', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), :'cloned_on');
  \\endif
\\endif
`;

/**
 * run.sh <all|checkpoint|record> (PostgreSQL image): runs run.sql unless the ledger said the
 * migration is applied. `all` checkpoints, applies SQL_FILE and records it in one session; a
 * migration with its own image runs `checkpoint` before its tool and `record` after it.
 * Env: libpq variables (PGOPTIONS carries lock_timeout and statement_timeout), DATABASE_OWNER,
 * MIGRATION_ID, SQL_SHA256, AFTER_MIGRATION, AFTER_SHA256, SQL_FILE, TRANSACTIONAL, JOB_NAME,
 * CLONED_ON (empty unless the cluster is a clone), LOCK_WAIT_SECONDS,
 * CHECKPOINT_DIR, TERMINATION_LOG, SCRIPTS_DIR.
 */
export const RUN_SCRIPT = `#!/bin/sh
set -eu
fail() { echo "run: $*" >&2; exit 1; }
if [ "$(cat "$CHECKPOINT_DIR/state")" = applied ]; then
  echo "run: $MIGRATION_ID is already applied with the same SQL: nothing to do"
  exit 0
fi
# Written by the gate, which checked them; checked again here, never sourced.
read -r backup_name < "$CHECKPOINT_DIR/backup-name"
read -r backup_id < "$CHECKPOINT_DIR/backup-id"
read -r backup_stopped_at < "$CHECKPOINT_DIR/backup-stopped-at"
case "$backup_name" in ''|*[!a-z0-9-]*) fail "unreadable backup name \\"$backup_name\\"" ;; esac
case "$backup_id" in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]) ;; *) fail "unreadable backup id \\"$backup_id\\"" ;; esac
case "$backup_stopped_at" in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z) ;; *) fail "unreadable backup stop time \\"$backup_stopped_at\\"" ;; esac
checkpoint=off apply=off record=off started_at='' restore_point_lsn=''
case "$1" in
  all) checkpoint=on apply=on record=on ;;
  checkpoint) checkpoint=on ;;
  record)
    record=on
    read -r started_at < "$CHECKPOINT_DIR/started-at"
    read -r restore_point_lsn < "$CHECKPOINT_DIR/restore-point-lsn" ;;
  *) fail "usage: run.sh all|checkpoint|record" ;;
esac
cloned=off
[ -z "$CLONED_ON" ] || cloned=on
transactional=off
[ "$TRANSACTIONAL" != true ] || [ "$apply" = off ] || transactional=on
exec psql -X -At -q -f "$SCRIPTS_DIR/run.sql" \\
  -v checkpoint="$checkpoint" -v apply="$apply" -v record="$record" -v transactional="$transactional" -v cloned="$cloned" \\
  -v migration="$MIGRATION_ID" -v sql_sha256="$SQL_SHA256" -v after="$AFTER_MIGRATION" -v after_sha256="$AFTER_SHA256" \\
  -v owner="$DATABASE_OWNER" -v job="$JOB_NAME" -v sql_file="$SQL_FILE" -v cloned_on="$CLONED_ON" \\
  -v backup_name="$backup_name" -v backup_id="$backup_id" -v backup_stopped_at="$backup_stopped_at" \\
  -v started_at="$started_at" -v restore_point_lsn="$restore_point_lsn" -v lock_wait_seconds="$LOCK_WAIT_SECONDS" \\
  -v termination_log="$TERMINATION_LOG" -v started_at_file="$CHECKPOINT_DIR/started-at" -v restore_point_lsn_file="$CHECKPOINT_DIR/restore-point-lsn"
`;

/**
 * verify.sh (recovery verification Job, PostgreSQL image): runs every assertion file pair
 * `/assertions/<nn>-<name>.sql` / `.expected` against the restored cluster and fails, listing
 * every mismatch, unless all of them print exactly the expected value. Each query reaches the
 * server through `psql -c`, which sends its argument as it is: psql expands no variable and runs
 * no meta-command in it (`\!`, `\getenv`...), unless the argument starts with a backslash, which
 * is refused here (synthesis only lets one read-only query through; PGOPTIONS makes the session
 * read-only too). A directory without assertions fails: it would prove nothing.
 * Env: libpq variables, ASSERTIONS_DIR.
 */
export const VERIFY_SCRIPT = `#!/bin/sh
set -eu
failed=0
total=0
for sql in "$ASSERTIONS_DIR"/*.sql; do
  if [ ! -e "$sql" ]; then
    echo "verify: no assertions in $ASSERTIONS_DIR: nothing shows this cluster holds the data it should" >&2
    exit 1
  fi
  name=$(basename "$sql" .sql)
  expected=$(cat "$ASSERTIONS_DIR/$name.expected")
  query=$(cat "$sql")
  total=$((total + 1))
  case "$query" in
    '\\'*)
      echo "verify: FAIL $name: starts with a backslash, which psql -c would run as a meta-command; a check is one SQL query"
      failed=$((failed + 1))
      continue ;;
  esac
  if actual=$(psql -X -At -c "$query" 2>&1); then
    if [ "$actual" = "$expected" ]; then
      echo "verify: ok   $name"
    else
      echo "verify: FAIL $name: expected \\"$expected\\", got \\"$actual\\""
      failed=$((failed + 1))
    fi
  else
    echo "verify: FAIL $name: $actual"
    failed=$((failed + 1))
  fi
done
if [ "$failed" -gt 0 ]; then
  echo "verify: $failed of $total assertions failed: do not switch the application to this cluster" >&2
  exit 1
fi
echo "verify: all $total assertions passed"
`;
