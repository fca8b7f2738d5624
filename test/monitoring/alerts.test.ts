import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { ENVIRONMENTS } from '../../src/config';
import { renderEnvironments } from '../../src/synthesize';
import { estate, withBillingDb } from '../helpers/fixtures';

/**
 * The alert rules of production, checked and unit-tested by promtool (from Debian's prometheus
 * package) with series that must fire and series that must not.
 */
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

/** The monitoring objects of every database of an environment: its monitoring.yaml and its further databases'. */
function monitoringOf(environments: readonly unknown[], environment: string): any[] {
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status !== 'rendered') throw new Error(outcome.status);
  const monitoringFile = new RegExp(`^infrastructure/data/cnpg-clusters/${environment}/([^/]+/)?monitoring\\.yaml$`);
  return outcome.files.filter((f) => monitoringFile.test(f.path)).flatMap((f) => YAML.parseAllDocuments(f.content).map((doc) => doc.toJS()));
}

let productionObjects: any[] | undefined;

/** Production's monitoring objects, from one rendering of the shipped configs (no test changes them). */
function production(): any[] {
  productionObjects ??= monitoringOf(ENVIRONMENTS, 'production');
  return productionObjects;
}

/** The rule groups of the PrometheusRules among `objects`: what Prometheus loads for their namespace. */
const groupsOf = (objects: any[]): any[] => objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups);

const SELECTOR = 'namespace="databases",cluster="app-db"';
const series = (name: string, labels: string, values: string) => ({ series: `${name}{${labels}}`, values });
const LAST_BACKUP = 'barman_cloud_cloudnative_pg_io_last_available_backup_timestamp';

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
    const groups = groupsOf(production());
    rules = groups.flatMap((group) => group.rules);
    writeFileSync(join(dir, 'rules.yaml'), YAML.stringify({ groups }));
  });

  /**
   * Runs promtool's unit tests of `ruleFile` (in the test directory); passes when they all do.
   * promtool evaluates every rule at every step: a case over hours steps every 5 minutes (a
   * 30-hour case took 2 s at 1 minute).
   */
  function promtoolTest(name: string, ruleFile: string, alertRuleTests: object[], inputSeries: object[], evaluationInterval = '1m') {
    const file = join(dir, name);
    writeFileSync(file, YAML.stringify({
      rule_files: [ruleFile],
      evaluation_interval: evaluationInterval,
      tests: [{ interval: '1m', input_series: inputSeries, alert_rule_test: alertRuleTests }],
    }));
    const result = spawnSync('promtool', ['test', 'rules', file], { cwd: dir, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  }

  test('checks the rules', () => {
    const output = execFileSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    expect(output).toMatch(/SUCCESS: 9 rules found/);
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
      [series(LAST_BACKUP, `${SELECTOR},pod="app-db-1"`, '600x2000')], '30h', cluster],
    ['CnpgBackupOverdue', 'stays silent after a recent backup',
      [series(LAST_BACKUP, `${SELECTOR},pod="app-db-1"`, '100000x2000')], '30h', null],
    ['CnpgBackupOverdue', 'stays silent while the archive folder holds no backup yet: the plugin reports 0, no backup\'s time',
      [series(LAST_BACKUP, `${SELECTOR},pod="app-db-1"`, '0x2000')], '30h', null],
    ['CnpgBackupMissing', 'fires when the archive folder has held no backup for a day and an hour',
      [series(LAST_BACKUP, `${SELECTOR},pod="app-db-1"`, '0x2000')], '30h', cluster],
    ['CnpgBackupMissing', 'keeps counting across a restart of the only instance (the new pod reports after a gap)',
      [series(LAST_BACKUP, `${SELECTOR},pod="app-db-1",instance="10.0.0.1:9187"`, '0x700 stale'), series(LAST_BACKUP, `${SELECTOR},pod="app-db-1",instance="10.0.0.2:9187"`, '_x711 0x1400')], '30h', cluster],
    ['CnpgBackupMissing', 'stays silent once the first backup completed, two hours in',
      [series(LAST_BACKUP, `${SELECTOR},pod="app-db-1"`, '0x120 7200x2000')], '30h', null],
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
    // A silent case of an alert the rules lack would pass whatever they say.
    expect(rules.map((rule) => rule.alert)).toContain(alert);
    promtoolTest(`${alert}-${cases.findIndex((c) => c[1] === _description)}.yaml`, 'rules.yaml', [{ eval_time: evalTime, alertname: alert, exp_alerts: expected(alert, labels) }], inputSeries, evalTime.endsWith('h') ? '5m' : '1m');
  });

  describe('a namespace with two databases (production with billing-db)', () => {
    const jobLabels = { namespace: 'databases', job_name: 'migrate-0005-drop-email-1f2e3d4c' };
    const jobSeries = (name: string, values: string) => series(name, `namespace="databases",job_name="${jobLabels.job_name}"`, values);

    test('one failed or long-running migration Job raises one alert, which names no cluster', () => {
      const groups = groupsOf(monitoringOf(withBillingDb(), 'production'));
      writeFileSync(join(dir, 'two-databases.yaml'), YAML.stringify({ groups }));
      const alert = (name: string, evalTime: string) => {
        const definition = groups.flatMap((group) => group.rules).find((r) => r.alert === name);
        return { eval_time: evalTime, alertname: name, exp_alerts: [{ exp_labels: { ...jobLabels, severity: 'warning' }, exp_annotations: definition.annotations }] };
      };
      // One Job: active from 0, over its time at 45 minutes, failed at 55.
      promtoolTest('two-databases-jobs.yaml', 'two-databases.yaml', [alert('CnpgMigrationJobRunningTooLong', '50m'), alert('CnpgMigrationJobFailed', '58m')], [
        jobSeries('kube_job_status_start_time', '0x70'),
        jobSeries('kube_job_status_active', '1x55 0x15'),
        jobSeries('kube_job_status_failed', '0x55 1x15'),
      ]);
    });

    test('the migration Job alerts exist once while any database of the namespace is monitored', () => {
      const jobAlerts = (own: boolean, billing: boolean) => {
        const environments = withBillingDb();
        const production = environments.find((env) => env.name === 'production')!;
        production.monitoring = { enabled: own };
        production.databases![0].monitoring = { enabled: billing };
        return groupsOf(monitoringOf(environments, 'production')).flatMap((group) => group.rules).map((r) => r.alert).filter((alert) => alert.startsWith('CnpgMigrationJob'));
      };
      const once = ['CnpgMigrationJobFailed', 'CnpgMigrationJobRunningTooLong'];
      expect([jobAlerts(true, true), jobAlerts(false, true), jobAlerts(true, false), jobAlerts(false, false)]).toEqual([once, once, once, []]);
    });
  });

  test('every alert has a firing and a silent case', () => {
    for (const rule of rules) {
      expect(cases.filter((c) => c[0] === rule.alert && c[4] !== null).length).toBeGreaterThan(0);
      expect(cases.filter((c) => c[0] === rule.alert && c[4] === null).length).toBeGreaterThan(0);
    }
  });
});
