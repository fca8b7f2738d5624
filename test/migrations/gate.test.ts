import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATE_SCRIPT } from '../../src/migrations/scripts';

/**
 * The gate runs for real under /bin/sh (dash, a strict POSIX shell). There is no Kubernetes API
 * server here, so `kubectl` is a stand-in on PATH that answers what the API would for the calls
 * the gate makes: the Cluster's uid and ContinuousArchiving status, the two ownership patches,
 * and the Backup's phase|stoppedAt|backupId|error. That stand-in is the only mock.
 */
const CLUSTER_UID = '6f1c2b1e-8d3a-4c1f-9a77-0e5d2c4b9a10';
const BARMAN_ID = '20261123T100000';

const POD = 'migrate-0005-drop-email-943fce8b-x7k2p';

function runGate(backup: string | null, options: { archiving?: string; maxAgeSeconds?: number; waitSeconds?: number; state?: string; uid?: string; hostname?: string; createFails?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gate-'));
  const kubectl = join(dir, 'kubectl');
  writeFileSync(kubectl, [
    '#!/bin/sh',
    'echo "$*" >> "$CALLS"',
    'case "$*" in',
    `  patch*) exit 0 ;;`,
    `  create*) cat > "$CREATED"; [ -z "$FAKE_CREATE_FAILS" ] || { echo 'Error from server (Forbidden)' >&2; exit 1; } ;;`,
    `  *metadata.uid*) printf '%s' "$FAKE_UID" ;;`,
    `  *clusters.postgresql.cnpg.io*) printf '%s' "$FAKE_ARCHIVING" ;;`,
    `  *backups.postgresql.cnpg.io*) [ -n "$FAKE_BACKUP" ] || { echo 'Error from server (NotFound)' >&2; exit 1; }; printf '%s' "$FAKE_BACKUP" ;;`,
    'esac',
  ].join('\n'));
  chmodSync(kubectl, 0o755);
  writeFileSync(join(dir, 'gate.sh'), GATE_SCRIPT);
  writeFileSync(join(dir, 'state'), `${options.state ?? 'pending'}\n`);
  const result = spawnSync('/bin/sh', [join(dir, 'gate.sh')], {
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: `${dir}:/usr/bin:/bin`,
      CALLS: join(dir, 'calls'),
      FAKE_ARCHIVING: options.archiving ?? 'True',
      FAKE_UID: options.uid ?? CLUSTER_UID,
      CREATED: join(dir, 'created.json'),
      FAKE_CREATE_FAILS: options.createFails ? '1' : '',
      JOB_NAME: 'migrate-0005-drop-email-943fce8b',
      MIGRATION_ID: '0005-drop-email',
      HOSTNAME: options.hostname ?? POD,
      FAKE_BACKUP: backup ?? '',
      CLUSTER_NAME: 'app-db',
      NAMESPACE: 'databases',
      MAX_BACKUP_AGE_SECONDS: String(options.maxAgeSeconds ?? 3600),
      WAIT_TIMEOUT_SECONDS: String(options.waitSeconds ?? 0),
      POLL_SECONDS: '1',
      CHECKPOINT_DIR: dir,
    },
  });
  const read = (name: string) => { try { return readFileSync(join(dir, name), 'utf8'); } catch { return undefined; } };
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, backupName: read('backup-name'), backupId: read('backup-id'), stoppedAt: read('backup-stopped-at'), created: read('created.json'), calls: read('calls') ?? '' };
}

const isoSecondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

test('a completed backup younger than the maximum age lets the migration start and records it', () => {
  const stoppedAt = isoSecondsAgo(120);
  const gate = runGate(`completed|${stoppedAt}|${BARMAN_ID}||`);
  expect(gate.stderr).toBe('');
  expect(gate.status).toBe(0);
  expect(gate.stdout).toMatch(/gate: backup migrate-0005-drop-email-943fce8b-x7k2p \(20261123T100000\) completed; the migration may start/);
  expect(gate.backupName).toBe(`${POD}\n`);
  expect(gate.backupId).toBe(`${BARMAN_ID}\n`);
  expect(gate.stoppedAt).toBe(`${stoppedAt}\n`);
  expect(gate.calls).toMatch(/get clusters.postgresql.cnpg.io app-db -n databases/);
  expect(gate.calls).toMatch(/get backups.postgresql.cnpg.io migrate-0005-drop-email-943fce8b-x7k2p -n databases/);
});

test('the gate takes the pre-migration Backup itself: plugin, primary, named after its pod, owned by the cluster', () => {
  const gate = runGate(`completed|${isoSecondsAgo(60)}|${BARMAN_ID}||`);
  const backup = JSON.parse(gate.created!);
  expect(backup).toEqual({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Backup',
    metadata: {
      name: POD,
      namespace: 'databases',
      ownerReferences: [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', name: 'app-db', uid: CLUSTER_UID }],
      labels: { 'cnpg-gitops.io/migration': '0005-drop-email', 'cnpg-gitops.io/cluster': 'app-db', 'app.kubernetes.io/managed-by': 'cnpg-gitops' },
    },
    spec: { cluster: { name: 'app-db' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' }, target: 'primary' },
  });
  // The order that matters: archiving checked before the backup is taken, the backup taken before it is waited for.
  const calls = gate.calls.split('\n');
  expect(calls.findIndex((call) => call.includes('ContinuousArchiving'))).toBeLessThan(calls.findIndex((call) => call.startsWith('create')));
  expect(calls.findIndex((call) => call.startsWith('create'))).toBeLessThan(calls.findIndex((call) => call.includes('get backups')));
});

test('the pre-migration Backup passes the upstream CRD schema and its CEL rules', () => {
  const { loadCrdValidators, schemaErrors } = require('../helpers/crd-schemas');
  const gate = runGate(`completed|${isoSecondsAgo(60)}|${BARMAN_ID}||`);
  expect(schemaErrors(loadCrdValidators(), JSON.parse(gate.created!))).toEqual([]);
});

test('the cluster becomes the owner of the Job, so it goes when the cluster is deleted', () => {
  const gate = runGate(`completed|${isoSecondsAgo(60)}|${BARMAN_ID}||`);
  const owner = `{"metadata":{"ownerReferences":[{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","name":"app-db","uid":"${CLUSTER_UID}"}]}}`;
  expect(gate.calls).toContain(`patch jobs.batch migrate-0005-drop-email-943fce8b -n databases --type=merge -p ${owner}`);
});

test('an applied migration (the ledger said so) takes no backup: ownership only, then the gate opens', () => {
  const gate = runGate(null, { state: 'applied' });
  expect(gate.status).toBe(0);
  expect(gate.stdout).toMatch(/already applied; it needs no backup/);
  expect(gate.calls).toMatch(/patch jobs.batch/);
  expect(gate.calls).not.toMatch(/create|get backups/);
  expect(gate.backupId).toBeUndefined();
});

test('a backup the API refuses to create stops the migration', () => {
  const gate = runGate(null, { createFails: true });
  expect(gate.status).toBe(1);
  expect(gate.stderr).toMatch(/cannot create the pre-migration backup migrate-0005-drop-email-943fce8b-x7k2p/);
});

test.each([
  ['a backup name instead of barman\'s id', 'backup-20261123100000', /no barman backup id \(status.backupId "backup-20261123100000", expected YYYYMMDDTHHMMSS\)/],
  ['no id', '', /no barman backup id \(status.backupId "", expected YYYYMMDDTHHMMSS\)/],
  ['a crafted id', '20261123T100000;rm -rf /', /no barman backup id/],
])('%s is refused, never written for the next container', (_case, id, message) => {
  const gate = runGate(`completed|${isoSecondsAgo(60)}|${id}||`);
  expect(gate.status).toBe(1);
  expect(gate.stderr).toMatch(message);
  expect(gate.backupId).toBeUndefined();
});

test('an unreadable cluster uid is refused before anything is patched', () => {
  const gate = runGate(`completed|${isoSecondsAgo(60)}|${BARMAN_ID}||`, { uid: 'x"}]' });
  expect(gate.status).toBe(1);
  expect(gate.stderr).toMatch(/unreadable uid/);
  expect(gate.calls).not.toMatch(/patch/);
});

test('a completed backup older than the maximum age is refused', () => {
  const gate = runGate(`completed|${isoSecondsAgo(7200)}|${BARMAN_ID}||`);
  expect(gate.status).toBe(1);
  expect(gate.stderr).toMatch(/refusing to migrate: pre-migration backup .* completed 720\d s ago, more than the 3600 s allowed/);
  expect(gate.backupId).toBeUndefined();
});

test.each([
  ['failed', 'failed|||barman-cloud-backup exited with code 4|', /is failed: barman-cloud-backup exited with code 4/],
  ['invalid backup definition', 'invalid backup definition|||cannot be empty when the backup method is plugin|', /is invalid backup definition: cannot be empty/],
])('a %s backup fails fast, without waiting', (_phase, status, message) => {
  const started = Date.now();
  const gate = runGate(status, { waitSeconds: 60 });
  expect(gate.status).toBe(1);
  expect(gate.stderr).toMatch(message);
  expect(Date.now() - started).toBeLessThan(10_000);
});

test.each([
  ['running', 'started|||'],
  ['not yet created', null],
])('a backup that stays %s is waited for, then refused at the timeout', (_case, status) => {
  const gate = runGate(status, { waitSeconds: 2 });
  expect(gate.status).toBe(1);
  expect(gate.stdout).toMatch(/gate: waiting for backup/);
  expect(gate.stderr).toMatch(/is still ".*" after 2 s/);
});

test('a cluster whose WAL archiving fails is refused before looking at the backup', () => {
  const gate = runGate(`completed|${isoSecondsAgo(10)}|${BARMAN_ID}||`, { archiving: 'False' });
  expect(gate.status).toBe(1);
  expect(gate.stderr).toMatch(/WAL archiving of cluster app-db is not working \(ContinuousArchiving="False"\)/);
  expect(gate.calls).not.toMatch(/create|get backups/);
});

test('a stoppedAt that is not RFC 3339 UTC is refused', () => {
  const gate = runGate(`completed|2026-11-23 10:00:00|${BARMAN_ID}||`);
  expect(gate.status).toBe(1);
  expect(gate.stderr).toMatch(/unreadable stoppedAt "2026-11-23 10:00:00"/);
});

test.each([
  ['1970-01-01T00:00:00Z', 0],
  ['2000-02-29T12:34:56Z', 951827696],
  ['2026-11-23T23:59:59Z', 1795478399],
  ['2026-03-01T08:09:07Z', 1772352547],
])('the POSIX date arithmetic reads %s as %d', (time, epoch) => {
  const dir = mkdtempSync(join(tmpdir(), 'epoch-'));
  const script = GATE_SCRIPT.slice(0, GATE_SCRIPT.indexOf('uid=')) + `epoch "${time}"\n`;
  writeFileSync(join(dir, 'epoch.sh'), script);
  expect(spawnSync('/bin/sh', [join(dir, 'epoch.sh')], { encoding: 'utf8', env: { BACKUP_NAME: 'b' } }).stdout.trim()).toBe(String(epoch));
});
