import { App } from 'cdk8s';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { OrdersChart } from '../../examples/orders-app/orders-chart';
import { Guardrails, RecoveryTarget, SUPPRESSIONS_ANNOTATION } from '../../src';
import { REPO_ROOT } from '../helpers/fixtures';
import { runTypeScript } from '../helpers/run-typescript';

/** examples/orders-app: the constructs in a plain cdk8s App, production's pack applied, as its README describes. */
const EXAMPLE = join(REPO_ROOT, 'examples/orders-app');
const SUPPRESSION = 'LCK001: orders is created empty by 0001 in the same release: the index builds instantly';

function manifestsIn(outdir: string): any[] {
  return readdirSync(outdir).flatMap((file) => parseAllDocuments(readFileSync(join(outdir, file), 'utf8')).map((document) => document.toJS()));
}

const named = (manifests: any[], kind: string, name: string) => manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);

test('main.ts synthesizes with `App.synth()`: the cluster, its backups, the guarded migrations in order, the reasoned suppression', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'orders-app-'));
  const run = runTypeScript({ file: join(EXAMPLE, 'main.ts') }, cwd);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(readdirSync(join(cwd, 'dist'))).toEqual(['orders.k8s.yaml']);
  const manifests = manifestsIn(join(cwd, 'dist'));

  expect(named(manifests, 'Cluster', 'orders-db')).toHaveProperty('spec.instances', 3);
  expect(named(manifests, 'Cluster', 'orders-db')).toHaveProperty('metadata.namespace', 'shop');
  expect(named(manifests, 'ObjectStore', 'orders-db-store')).toHaveProperty('spec.retentionPolicy', '30d');
  expect(named(manifests, 'ScheduledBackup', 'orders-db-scheduled')).toHaveProperty('spec.schedule', '0 0 3 * * *');
  const jobs = manifests.filter((manifest) => manifest.kind === 'Job');
  expect(jobs.map((job) => job.metadata.labels['cnpg-gitops.io/migration'])).toEqual(['0001-create-orders', '0002-index-orders-customer']);
  expect(jobs[1].metadata.annotations['cnpg-gitops.io/after']).toBe('0001-create-orders');

  // The suppression is written on every object of the migration it covers, and nowhere else.
  const suppressed = manifests.filter((manifest) => manifest.metadata.annotations?.[SUPPRESSIONS_ANNOTATION] !== undefined);
  expect(new Set(suppressed.map((manifest) => manifest.metadata.annotations[SUPPRESSIONS_ANNOTATION]))).toEqual(new Set([SUPPRESSION]));
  expect(suppressed).toContainEqual(jobs[1]);
  expect(suppressed).not.toContainEqual(jobs[0]);
});

test('the suppression silences a warning the index migration really raises, in production\'s pack', () => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'orders-app-')) });
  Guardrails.apply(new OrdersChart(app, 'orders'), { environment: 'production' });
  const [evaluation] = Guardrails.evaluate(app);
  expect(evaluation.environment).toBe('production');
  expect(evaluation.report.suppressed).toEqual([expect.objectContaining({ ruleId: 'LCK001', reason: SUPPRESSION.replace('LCK001: ', '') })]);
  expect(evaluation.report.violations.filter((violation) => violation.severity === 'error')).toEqual([]);
});

test('with a restore, App.synth() adds the restored cluster and its verification Job', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'orders-app-'));
  const app = new App({ outdir });
  // The checkpoint record of a migration that started two hours ago, after a backup an hour before.
  const startedAt = new Date(Date.now() - 2 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const backupId = new Date(Date.now() - 3 * 3_600_000).toISOString().replace(/[-:]|\.\d{3}Z$/g, '');
  const chart = new OrdersChart(app, 'orders', { restore: RecoveryTarget.beforeMigration({ migrationId: '0002-index-orders-customer', startedAt, backupId }) });
  Guardrails.apply(chart, { environment: 'production' });
  app.synth();

  const manifests = manifestsIn(outdir);
  const restored = named(manifests, 'Cluster', 'orders-db-restored');
  expect(restored).toHaveProperty('spec.bootstrap.recovery.source', 'origin');
  expect(restored).toHaveProperty('spec.bootstrap.recovery.recoveryTarget.backupID', backupId);
  expect(restored).toHaveProperty('spec.externalClusters.0.plugin.parameters.serverName', 'orders-db');
  const verification = named(manifests, 'Job', 'verify-orders-db-restored');
  expect(verification).toHaveProperty('spec.template.spec.containers.0.env', expect.arrayContaining([{ name: 'PGHOST', value: 'orders-db-restored-rw.shop.svc' }]));
  const assertions = verification.spec.template.spec.volumes[0].configMap.name;
  expect(assertions).toMatch(/^verify-orders-db-restored-[0-9a-f]{8}$/);
  expect(JSON.stringify(named(manifests, 'ConfigMap', assertions).data)).toContain("table_name = 'orders'");
});
