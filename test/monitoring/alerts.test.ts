import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { renderEnvironments } from '../../src/synthesize';
import { estate } from '../helpers/fixtures';

/**
 * The alert rules of production, checked and unit-tested by promtool (from Debian's prometheus
 * package) with series that must fire and series that must not.
 */
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

let productionObjects: any[] | undefined;

/** Production's monitoring objects, from one rendering of the shipped configs (no test changes them). */
function production(): any[] {
  if (productionObjects) return productionObjects;
  const outcome = renderEnvironments(estate());
  if (outcome.status !== 'rendered') throw new Error(outcome.status);
  const file = outcome.files.find((f) => f.path === 'infrastructure/data/cnpg-clusters/production/monitoring.yaml')!;
  productionObjects = YAML.parseAllDocuments(file.content).map((doc) => doc.toJS());
  return productionObjects;
}

const SELECTOR = 'namespace="databases",cluster="app-db"';
const series = (name: string, labels: string, values: string) => ({ series: `${name}{${labels}}`, values });

test('a PodMonitor per cluster selects its instances and labels every series with the cluster', () => {
  const podMonitor = production().find((o) => o.kind === 'PodMonitor');
  expect(podMonitor.spec).toEqual({
    selector: { matchLabels: { 'cnpg.io/cluster': 'app-db' } },
    podMetricsEndpoints: [{ port: 'metrics', relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_label_cnpg_io_cluster'], targetLabel: 'cluster' }] }],
  });
});

describe('promtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  let rules: any[] = [];
  beforeAll(() => {
    if (!hasPromtool) throw new Error('promtool is not installed: .ci/run installs Debian\'s prometheus package; install it to run these tests');
    const rule = production().find((o) => o.kind === 'PrometheusRule');
    rules = rule.spec.groups[0].rules;
    writeFileSync(join(dir, 'rules.yaml'), YAML.stringify({ groups: rule.spec.groups }));
  });

  test('checks the rules', () => {
    const output = execFileSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    expect(output).toMatch(/SUCCESS: 8 rules found/);
  });

  /** One promtool case: the alert fires (with these labels) or stays silent. */
  function expected(alert: string, labels: Record<string, string> | null) {
    const definition = rules.find((r) => r.alert === alert);
    return labels === null ? [] : [{ exp_labels: { ...labels, ...definition.labels }, exp_annotations: definition.annotations }];
  }
  const cluster = { namespace: 'databases', cluster: 'app-db' };
  const job = { namespace: 'databases', job_name: 'migrate-0005-drop-email-943fce8b' };
  const cases: [string, string, object[], string, Record<string, string> | null][] = [
    ['CnpgWalArchivingFailing', 'fires when the last failure is newer than the last archived WAL',
      [series('cnpg_pg_stat_archiver_last_failed_time', `${SELECTOR},pod="app-db-1"`, '200x20'), series('cnpg_pg_stat_archiver_last_archived_time', `${SELECTOR},pod="app-db-1"`, '100x20')], '10m', cluster],
    ['CnpgWalArchivingFailing', 'stays silent once archiving recovered',
      [series('cnpg_pg_stat_archiver_last_failed_time', `${SELECTOR},pod="app-db-1"`, '100x20'), series('cnpg_pg_stat_archiver_last_archived_time', `${SELECTOR},pod="app-db-1"`, '200x20')], '10m', null],
    ['CnpgWalArchivingStalled', 'fires when segments wait to be archived and the archiver is stuck',
      [series('cnpg_collector_pg_wal_archive_status', `${SELECTOR},pod="app-db-1",value="ready"`, '3+1x20'), series('cnpg_pg_stat_archiver_seconds_since_last_archival', `${SELECTOR},pod="app-db-1"`, '1000+60x20')], '10m', cluster],
    ['CnpgWalArchivingStalled', 'stays silent on an idle cluster: nothing written, nothing to archive, for hours',
      [series('cnpg_collector_pg_wal_archive_status', `${SELECTOR},pod="app-db-1",value="ready"`, '0x300'), series('cnpg_pg_stat_archiver_seconds_since_last_archival', `${SELECTOR},pod="app-db-1"`, '1000+60x300')], '5h', null],
    ['CnpgWalArchivingStalled', 'stays silent under load while WAL keeps being archived',
      [series('cnpg_collector_pg_wal_archive_status', `${SELECTOR},pod="app-db-1",value="ready"`, '2x20'), series('cnpg_pg_stat_archiver_seconds_since_last_archival', `${SELECTOR},pod="app-db-1"`, '30x20')], '10m', null],
    ['CnpgBackupOverdue', 'fires when the last base backup is older than a day and an hour',
      [series('barman_cloud_cloudnative_pg_io_last_available_backup_timestamp', `${SELECTOR},pod="app-db-1"`, '0x2000')], '30h', cluster],
    ['CnpgBackupOverdue', 'stays silent after a recent backup',
      [series('barman_cloud_cloudnative_pg_io_last_available_backup_timestamp', `${SELECTOR},pod="app-db-1"`, '100000x2000')], '30h', null],
    ['CnpgBackupFailed', 'fires when the last failure is newer than the last backup',
      [series('barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp', `${SELECTOR},pod="app-db-1"`, '200x5'), series('barman_cloud_cloudnative_pg_io_last_available_backup_timestamp', `${SELECTOR},pod="app-db-1"`, '100x5')], '2m', cluster],
    ['CnpgBackupFailed', 'stays silent when a backup succeeded after the failure',
      [series('barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp', `${SELECTOR},pod="app-db-1"`, '100x5'), series('barman_cloud_cloudnative_pg_io_last_available_backup_timestamp', `${SELECTOR},pod="app-db-1"`, '200x5')], '2m', null],
    ['CnpgMigrationJobFailed', 'fires for a failed migration Job',
      [series('kube_job_status_failed', 'namespace="databases",job_name="migrate-0005-drop-email-943fce8b"', '1x5')], '2m', job],
    ['CnpgMigrationJobFailed', 'stays silent for other failed Jobs',
      [series('kube_job_status_failed', 'namespace="databases",job_name="verify-app-db-before-0005"', '1x5')], '2m', null],
    ['CnpgMigrationJobRunningTooLong', 'fires for a migration Job active for 50 minutes',
      [series('kube_job_status_start_time', `namespace="databases",job_name="${job.job_name}"`, '0x60'), series('kube_job_status_active', `namespace="databases",job_name="${job.job_name}"`, '1x60')], '50m', job],
    ['CnpgMigrationJobRunningTooLong', 'stays silent once the Job finished',
      [series('kube_job_status_start_time', `namespace="databases",job_name="${job.job_name}"`, '0x60'), series('kube_job_status_active', `namespace="databases",job_name="${job.job_name}"`, '0x60')], '50m', null],
    ['CnpgInstancesDown', 'fires when one of three instances is down',
      ['1', '2', '3'].map((pod) => series('cnpg_collector_up', `${SELECTOR},pod="app-db-${pod}"`, pod === '3' ? '0x20' : '1x20')), '10m', cluster],
    ['CnpgInstancesDown', 'fires when the cluster reports no metrics at all',
      [series('cnpg_collector_up', 'namespace="databases",cluster="other-db",pod="other-db-1"', '1x20')], '10m', cluster],
    ['CnpgInstancesDown', 'stays silent with three instances up',
      ['1', '2', '3'].map((pod) => series('cnpg_collector_up', `${SELECTOR},pod="app-db-${pod}"`, '1x20')), '10m', null],
    ['CnpgReplicationLag', 'fires for a replica 10 minutes behind',
      [series('cnpg_pg_replication_lag', `${SELECTOR},pod="app-db-2"`, '600x20')], '10m', { ...cluster, pod: 'app-db-2' }],
    ['CnpgReplicationLag', 'stays silent for a replica seconds behind',
      [series('cnpg_pg_replication_lag', `${SELECTOR},pod="app-db-2"`, '2x20')], '10m', null],
  ];

  test.each(cases)('%s %s', (alert, _description, inputSeries, evalTime, labels) => {
    const file = join(dir, `${alert}-${cases.findIndex((c) => c[1] === _description)}.yaml`);
    writeFileSync(file, YAML.stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: inputSeries, alert_rule_test: [{ eval_time: evalTime, alertname: alert, exp_alerts: expected(alert, labels) }] }],
    }));
    const result = spawnSync('promtool', ['test', 'rules', file], { cwd: dir, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });

  test('every alert has a firing and a silent case', () => {
    for (const rule of rules) {
      expect(cases.filter((c) => c[0] === rule.alert && c[4] !== null).length).toBeGreaterThan(0);
      expect(cases.filter((c) => c[0] === rule.alert && c[4] === null).length).toBeGreaterThan(0);
    }
  });
});
