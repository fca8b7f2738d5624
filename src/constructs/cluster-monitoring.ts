import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { FLUX_KEEP_WHEN_REMOVED } from '../names';
import { BackupSchedule } from '../values/backup-schedule';
import { CnpgCluster } from './cnpg-cluster';
import { PlainApiObject } from './plain-api-object';

/**
 * How long base backups may be apart: the schedule's longest gap; a day for a schedule BKP003
 * rejects anyway, a year for one that runs too rarely to measure.
 */
function backupIntervalHours(schedule: string): number {
  const gap = BackupSchedule.parse(schedule)?.longestGapHours() ?? 24;
  return Number.isFinite(gap) ? gap : 24 * 366;
}

export interface ClusterMonitoringProps {
  readonly cluster: CnpgCluster;
  /** The cluster's backup schedule: the backup alerts fire when a backup is overdue or missing. */
  readonly backupSchedule: string;
  /**
   * The `severity` label of the alerts that threaten recoverability.
   * @default 'critical'
   */
  readonly severity?: 'critical' | 'warning';
  /**
   * Replication lag that raises an alert, in seconds.
   * @default 300
   */
  readonly replicationLagSeconds?: number;
}

/**
 * Monitoring of one cluster: a PodMonitor for the instances' metrics endpoint (CNPG's own
 * `monitoring.enablePodMonitor` is deprecated) and a PrometheusRule with the runbook's "monitor
 * health" alerts: WAL archiving failing or silently stalled, base backups overdue, missing or
 * failed (from the Barman Cloud plugin's metrics, not the deprecated cluster fields), instances
 * down, replication lag. The migration Jobs' alerts are the namespace's (MigrationJobMonitoring).
 * @see https://cloudnative-pg.io/documentation/1.30/monitoring/
 */
export class ClusterMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: ClusterMonitoringProps) {
    super(scope, id);
    addInvariants(this);
    const { name, namespace, instances } = props.cluster;
    const severity = props.severity ?? 'critical';
    const selector = `namespace="${namespace}", cluster="${name}"`;
    const lastBackup = `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${selector}}`;
    const backupOverdueSeconds = Math.round((backupIntervalHours(props.backupSchedule) + 1) * 3600);
    const labels = { 'app.kubernetes.io/managed-by': 'cnpg-gitops', 'cnpg.io/cluster': name };
    // Removing them from Git must not silence the alerts of a cluster that keeps running.
    const annotations = { ...FLUX_KEEP_WHEN_REMOVED };

    new PlainApiObject(this, 'PodMonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name, labels, annotations },
      spec: {
        selector: { matchLabels: { 'cnpg.io/cluster': name } },
        podMetricsEndpoints: [{
          port: 'metrics',
          // Every series carries the cluster name, so alerts are per cluster.
          relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_label_cnpg_io_cluster'], targetLabel: 'cluster' }],
        }],
      },
    });

    const rule = (alert: string, expr: string, forDuration: string, alertSeverity: string, summary: string) => ({
      alert,
      expr,
      for: forDuration,
      labels: { severity: alertSeverity, cluster: name },
      annotations: { summary, runbook: `docs/monitoring.md#${alert.toLowerCase()}` },
    });
    const rules = [
      rule('CnpgWalArchivingFailing',
        `max by (namespace, cluster) (cnpg_pg_stat_archiver_last_failed_time{${selector}}) > max by (namespace, cluster) (cnpg_pg_stat_archiver_last_archived_time{${selector}})`,
        '5m', severity, `WAL archiving of ${namespace}/${name} fails: point-in-time recovery stops at the last archived segment`),
      // PostgreSQL only switches segments on archive_timeout when something was written, so an
      // idle cluster archives nothing for hours. A stall is WAL waiting to be archived (.ready
      // files) while nothing was archived for 15 minutes.
      rule('CnpgWalArchivingStalled',
        `max by (namespace, cluster) (cnpg_collector_pg_wal_archive_status{${selector}, value="ready"}) > 0 and on (namespace, cluster) min by (namespace, cluster) (cnpg_pg_stat_archiver_seconds_since_last_archival{${selector}}) > 900`,
        '5m', severity, `WAL of ${namespace}/${name} waits to be archived and nothing was archived for 15 minutes: point-in-time recovery falls behind`),
      // The plugin reports 0 until the archive folder holds a backup: a new cluster, a re-clone's
      // new folder. That is no backup's age; CnpgBackupMissing counts how long it lasts.
      rule('CnpgBackupOverdue',
        `time() - (max by (namespace, cluster) (${lastBackup}) > 0) > ${backupOverdueSeconds}`,
        '10m', severity, `the last base backup of ${namespace}/${name} is older than its schedule allows (${backupOverdueSeconds} s)`),
      // max_over_time bridges an instance restart (its series goes stale, the new pod's starts
      // later), which would otherwise reset the `for` of a single-instance cluster.
      rule('CnpgBackupMissing',
        `max by (namespace, cluster) (max_over_time(${lastBackup}[15m])) == 0`,
        `${backupOverdueSeconds}s`, severity, `${namespace}/${name} has had no base backup in its archive folder for longer than its schedule allows (${backupOverdueSeconds} s)`),
      // The plugin records a failure only when barman-cloud-backup itself fails; a Backup failing
      // otherwise shows as overdue or missing.
      rule('CnpgBackupFailed',
        `max by (namespace, cluster) (barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp{${selector}}) > max by (namespace, cluster) (barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${selector}})`,
        '0m', severity, `the last base backup of ${namespace}/${name} failed`),
      rule('CnpgInstancesDown',
        `sum by (namespace, cluster) (cnpg_collector_up{${selector}}) < ${instances} or absent(cnpg_collector_up{${selector}})`,
        '5m', severity, `fewer than ${instances} instances of ${namespace}/${name} are up`),
      rule('CnpgReplicationLag',
        `max by (namespace, cluster, pod) (cnpg_pg_replication_lag{${selector}}) > ${props.replicationLagSeconds ?? 300}`,
        '5m', 'warning', `a replica of ${namespace}/${name} lags behind the primary`),
    ];
    new PlainApiObject(this, 'PrometheusRule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name, labels, annotations },
      spec: { groups: [{ name: `cnpg-${namespace}-${name}`, rules }] },
    });
  }
}
