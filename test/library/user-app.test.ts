import { App, Chart, Testing } from 'cdk8s';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CnpgCluster, GuardedMigrationJob, Guardrails, MigrationScripts, PitrRestore, RecoveryTarget, ScheduledBackup, suppressGuardrail } from '../../src';

/**
 * The constructs in someone else's cdk8s app: guardrails are invariants of the constructs, so a
 * plain `App.synth()` fails with the same rule ids, messages and documentation links as the
 * project's pipeline, with production's pack unless another is applied.
 */
const objectStore = {
  provider: 'aws-s3' as const,
  destinationPath: 's3://acme-orders/',
  credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/orders/s3' },
};

/** The mistakes of the issue: one instance, a five-field cron, a DROP TABLE labelled expand, no rollback strategy. */
function careless(chart: Chart) {
  const cluster = new CnpgCluster(chart, 'Db', {
    name: 'orders-db', instances: 1, storageSize: '50Gi', retentionPolicy: '30d', objectStore,
    migrator: { credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/orders/migrator' } },
  });
  new ScheduledBackup(chart, 'Nightly', { cluster, schedule: '0 3 * * *' });
  new GuardedMigrationJob(chart, 'Drop', {
    cluster,
    scripts: new MigrationScripts(chart, 'Scripts', { cluster }),
    sql: 'DROP TABLE legacy_orders;\n',
    migration: { id: '0007-drop-legacy', release: '2.0.0', phase: 'expand', rollback: { strategies: [], steps: 'restore' } },
  });
  new PitrRestore(chart, 'Restore', { source: cluster, name: 'orders-db-restored', target: RecoveryTarget.time('2026-11-20T10:00:00Z'), assertions: [{ name: 'orders survive', sql: 'SELECT count(*) > 0 FROM orders', expect: 't' }] });
  return cluster;
}

test('App.synth() of a careless chart fails with the documented ids, production-strength by default', () => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'user-app-')) });
  careless(new Chart(app, 'orders', { namespace: 'shop' }));
  let message = '';
  try { app.synth(); } catch (error) { message = (error as Error).message; }
  for (const id of ['HA001', 'BKP003', 'MIG002', 'MIG003']) expect(message).toMatch(new RegExp(`\\[${id}\\] error orders/`));
  expect(message).toMatch(/\[HA001\] error orders\/Db\/Resource: cluster has 1 instance\(s\), production needs at least 3 \(got 1\) → fix: .* \(docs\/guardrails\/HA001.md\)/);
  expect(message).toMatch(/\[BKP003\] error orders\/Nightly\/Resource: schedule has 5 fields, CNPG needs exactly 6/);
  // No config file to point at in someone else's app: the construct path says where.
  expect(message).not.toMatch(/\(src\/config\/[a-z]+\.ts: /);
  // Each finding once, from the construct that owns the object (the PitrRestore, not also its inner cluster).
  const lines = message.split('\n').filter((line) => line.includes('] error '));
  expect(new Set(lines.map((line) => line.replace(/^\s*\[[^\]]*\] /, ''))).size).toBe(lines.length);
});

test('Guardrails.apply chooses another environment\'s pack; a suppression with a reason silences a rule', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'orders', { namespace: 'shop' });
  const cluster = new CnpgCluster(chart, 'Db', {
    name: 'orders-db', instances: 1, storageSize: '50Gi', retentionPolicy: '7d', objectStore,
  });
  new ScheduledBackup(chart, 'Nightly', { cluster, schedule: '0 0 3 * * *' });
  Guardrails.apply(chart, { environment: 'develop' });
  expect(() => app.synth()).not.toThrow();

  const strict = Testing.app();
  const other = new Chart(strict, 'orders', { namespace: 'shop' });
  const small = new CnpgCluster(other, 'Db', {
    name: 'orders-db', instances: 3, storageSize: '50Gi', retentionPolicy: '30d', objectStore,
    resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } }, topologyKey: 'topology.kubernetes.io/zone', podAntiAffinityType: 'required',
    appCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/orders/app' },
    imageName: `ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie@sha256:${'ab'.repeat(32)}`,
  });
  new ScheduledBackup(other, 'Nightly', { cluster: small, schedule: '0 0 3 * * 0' });
  expect(() => strict.synth()).toThrow(/\[BKP004\] error/);
  suppressGuardrail(other, { id: 'BKP004', reason: 'weekly base backups agreed with product: RTO 4h, WAL in between' });
  expect(() => strict.synth()).not.toThrow();
  const rendered = Testing.synth(other).find((manifest) => manifest.kind === 'ScheduledBackup');
  expect(rendered.metadata.annotations['guardrails.cnpg-gitops.io/suppressed']).toBe('BKP004: weekly base backups agreed with product: RTO 4h, WAL in between');
});

test('the project\'s own pipeline reports the same errors, by the same mechanism', () => {
  const { buildApp } = require('../../src/synthesize');
  const { estate, withEnvironment } = require('../helpers/fixtures');
  const { app } = buildApp(estate(withEnvironment('production', (env: any) => { env.cluster.instances = 1; env.backup.schedule = '0 3 * * *'; })));
  const { formatViolation } = require('../../src/guardrails/engine');
  const pipeline = Guardrails.evaluate(app).flatMap((evaluation) => evaluation.report.violations).filter((violation) => violation.severity === 'error').map((violation) => formatViolation(violation)).sort();
  let message = '';
  try { app.synth(); } catch (error) { message = (error as Error).message; }
  expect(pipeline.length).toBeGreaterThan(1);
  for (const line of pipeline) expect(message).toContain(line);
});

test('a construct imported from its own module alone still validates against the guardrails', () => {
  let message = '';
  // A fresh module registry: nothing has loaded src/guardrails yet, as in an app that imports only the construct.
  jest.isolateModules(() => {
    const cdk8s = require('cdk8s');
    const { CnpgCluster: Alone } = require('../../src/constructs/cnpg-cluster');
    const app = new cdk8s.App({ outdir: mkdtempSync(join(tmpdir(), 'alone-')) });
    new Alone(new cdk8s.Chart(app, 'orders'), 'Db', { name: 'orders-db', instances: 1, storageSize: '1Gi', retentionPolicy: '30d', objectStore });
    try { app.synth(); } catch (error) { message = (error as Error).message; }
  });
  expect(message).toMatch(/\[HA001\] error orders\/Db\/Resource/);
});
