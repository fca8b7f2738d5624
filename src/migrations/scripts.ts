/**
 * The shell scripts a migration Job runs, mounted from its ConfigMap. They are POSIX sh (no
 * bash, GNU date or jq), so they run in the kubectl image and in the PostgreSQL image alike,
 * and they contain no `${`, which Flux post-build substitution would rewrite.
 */

/**
 * gate.sh (init container, kubectl image): refuses to let the migration start unless the
 * cluster's WAL archiving works and the pre-migration Backup completed less than
 * MAX_BACKUP_AGE_SECONDS ago; fails fast when the Backup failed. Writes the backup's identity
 * to CHECKPOINT_DIR/backup.env.
 * Env: BACKUP_NAME, CLUSTER_NAME, NAMESPACE, MAX_BACKUP_AGE_SECONDS, WAIT_TIMEOUT_SECONDS,
 * POLL_SECONDS, CHECKPOINT_DIR.
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

archiving=$(kubectl get clusters.postgresql.cnpg.io "$CLUSTER_NAME" -n "$NAMESPACE" \\
  -o jsonpath='{.status.conditions[?(@.type=="ContinuousArchiving")].status}') || fail "cannot read cluster $CLUSTER_NAME"
[ "$archiving" = "True" ] || fail "refusing to migrate: WAL archiving of cluster $CLUSTER_NAME is not working (ContinuousArchiving=\\"$archiving\\"), so there is no point-in-time recovery to roll back to"

deadline=$(( $(date -u +%s) + WAIT_TIMEOUT_SECONDS ))
while :; do
  status=$(kubectl get backups.postgresql.cnpg.io "$BACKUP_NAME" -n "$NAMESPACE" \\
    -o jsonpath='{.status.phase}|{.status.stoppedAt}|{.status.backupId}|{.status.error}|') || status='not found||||'
  IFS='|' read -r phase stopped_at backup_id error rest <<EOF
$status
EOF
  case "$phase" in
    completed) break ;;
    failed|'invalid backup definition'|walArchivingFailing)
      fail "refusing to migrate: pre-migration backup $BACKUP_NAME is $phase: $error" ;;
  esac
  [ "$(date -u +%s)" -lt "$deadline" ] || fail "refusing to migrate: pre-migration backup $BACKUP_NAME is still \\"$phase\\" after $WAIT_TIMEOUT_SECONDS s"
  echo "gate: waiting for backup $BACKUP_NAME (phase \\"$phase\\")"
  sleep "$POLL_SECONDS"
done

case "$stopped_at" in
  [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z) ;;
  *) fail "refusing to migrate: backup $BACKUP_NAME has an unreadable stoppedAt \\"$stopped_at\\"" ;;
esac
age=$(( $(date -u +%s) - $(epoch "$stopped_at") ))
[ "$age" -le "$MAX_BACKUP_AGE_SECONDS" ] || fail "refusing to migrate: pre-migration backup $BACKUP_NAME completed $age s ago, more than the $MAX_BACKUP_AGE_SECONDS s allowed; delete the Backup and the Job so Flux takes a fresh backup and runs again"
[ -n "$backup_id" ] || fail "refusing to migrate: backup $BACKUP_NAME completed without a backupId"

printf 'BACKUP_NAME=%s\\nBACKUP_ID=%s\\nBACKUP_STOPPED_AT=%s\\n' "$BACKUP_NAME" "$backup_id" "$stopped_at" > "$CHECKPOINT_DIR/backup.env"
echo "gate: backup $BACKUP_NAME ($backup_id) completed $age s ago; the migration may start"
`;

/**
 * checkpoint.sh (init container, PostgreSQL image): creates the restore point
 * `before-<migration>` and records, from the database's own clock, when the migration starts.
 * The record is the container's termination message: what a rollback targets.
 * Env: libpq variables, MIGRATION_ID, SQL_SHA256, CHECKPOINT_DIR, TERMINATION_LOG.
 */
export const CHECKPOINT_SCRIPT = `#!/bin/sh
set -eu
. "$CHECKPOINT_DIR/backup.env"
point=$(psql -X -v ON_ERROR_STOP=1 -At -F ' ' -c "SELECT pg_create_restore_point('before-$MIGRATION_ID'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\\"T\\"HH24:MI:SS\\"Z\\"')")
lsn=$(echo "$point" | cut -d ' ' -f 1)
started_at=$(echo "$point" | cut -d ' ' -f 2)
record=$(printf '{"migration":"%s","sqlSha256":"%s","backup":"%s","backupId":"%s","backupStoppedAt":"%s","restorePoint":"before-%s","restorePointLsn":"%s","startedAt":"%s"}' \\
  "$MIGRATION_ID" "$SQL_SHA256" "$BACKUP_NAME" "$BACKUP_ID" "$BACKUP_STOPPED_AT" "$MIGRATION_ID" "$lsn" "$started_at")
echo "checkpoint: $record"
echo "$record" > "$TERMINATION_LOG"
`;

/**
 * run.sh (main container, PostgreSQL image): applies the SQL once, recorded in the ledger
 * table cnpg_gitops.applied_migrations (a clone or a re-run skips what is applied; changed SQL
 * for an applied id fails), in one transaction when every statement allows it, stopping at the
 * first error; then switches the WAL segment so the migration's commits reach the archive (a
 * time target needs a commit after it in the archive).
 * Env: libpq variables (PGOPTIONS carries lock_timeout and statement_timeout), MIGRATION_ID,
 * SQL_SHA256, SQL_FILE, TRANSACTIONAL, JOB_NAME, CLONED_ON (empty unless the cluster is a clone).
 */
export const RUN_SCRIPT = `#!/bin/sh
set -eu
q() { psql -X -v ON_ERROR_STOP=1 -At "$@"; }

q -c "SET client_min_messages = warning" -c "CREATE SCHEMA IF NOT EXISTS cnpg_gitops" \\
  -c "CREATE TABLE IF NOT EXISTS cnpg_gitops.applied_migrations (id text PRIMARY KEY, sql_sha256 text NOT NULL, job text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null
applied=$(q -c "SELECT sql_sha256 FROM cnpg_gitops.applied_migrations WHERE id = '$MIGRATION_ID'")
if [ "$applied" = "$SQL_SHA256" ]; then
  echo "run: $MIGRATION_ID is already applied with the same SQL; nothing to do"
  exit 0
fi
if [ -n "$applied" ]; then
  echo "run: refusing: $MIGRATION_ID was applied with different SQL ($applied, now $SQL_SHA256); ship a new migration instead of editing an applied one" >&2
  exit 1
fi

record="INSERT INTO cnpg_gitops.applied_migrations (id, sql_sha256, job) VALUES ('$MIGRATION_ID', '$SQL_SHA256', '$JOB_NAME')"
if [ "$TRANSACTIONAL" = true ]; then
  q --single-transaction -f "$SQL_FILE" -c "$record"
else
  echo "run: the SQL has statements that cannot run in a transaction; running it statement by statement"
  q -f "$SQL_FILE"
  q -c "$record"
fi

finished=$(q -F ' ' -c "SELECT pg_switch_wal(), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\\"T\\"HH24:MI:SS\\"Z\\"')")
finished_at=$(echo "$finished" | cut -d ' ' -f 2)
echo "run: $MIGRATION_ID applied at $finished_at; WAL switched at $(echo "$finished" | cut -d ' ' -f 1)"
if [ -n "$CLONED_ON" ]; then
  echo "run: validation record for this environment's config (migrationValidations):"
  echo "  { migration: '$MIGRATION_ID', sqlSha256: '$SQL_SHA256', validatedAt: '$finished_at', clonedOn: '$CLONED_ON' },"
fi
`;

/**
 * verify.sh (recovery verification Job, PostgreSQL image): runs every assertion file pair
 * `/assertions/<nn>-<name>.sql` / `.expected` against the restored cluster and fails, listing
 * every mismatch, unless all of them print exactly the expected value.
 * Env: libpq variables, ASSERTIONS_DIR.
 */
export const VERIFY_SCRIPT = `#!/bin/sh
set -eu
failed=0
total=0
for sql in "$ASSERTIONS_DIR"/*.sql; do
  name=$(basename "$sql" .sql)
  expected=$(cat "$ASSERTIONS_DIR/$name.expected")
  total=$((total + 1))
  if actual=$(psql -X -v ON_ERROR_STOP=1 -At -f "$sql" 2>&1); then
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
