import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { FLUX_KEEP_WHEN_REMOVED } from '../names';
import { PlainApiObject } from './plain-api-object';

/**
 * The PrometheusRule's name. Cluster names are DNS-1035 labels, so a name with a dot never
 * collides with a cluster's PrometheusRule (named after its cluster).
 */
export const MIGRATION_JOB_RULE_NAME = 'cnpg-gitops.migration-jobs';

export interface MigrationJobMonitoringProps {
  /** The namespace whose migration Jobs it watches: every database of an environment runs its Jobs there. */
  readonly namespace: string;
  /**
   * Longest a migration Job may run before an alert, in seconds.
   * @default 2700 (three quarters of the default deadline)
   */
  readonly migrationRunningSeconds?: number;
}

/**
 * The migration Job alerts of one namespace (kube-state-metrics): a Job failed, or has been
 * running too long. A Job's name and labels do not say which cluster it migrates, and
 * kube-state-metrics exports no annotation by default, so one rule set per namespace, with no
 * `cluster` label, makes each Job one alert. Its fixed name keeps it one object when it moves
 * to another database's directory.
 */
export class MigrationJobMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: MigrationJobMonitoringProps) {
    super(scope, id);
    addInvariants(this);
    const { namespace } = props;
    const jobs = `namespace="${namespace}", job_name=~"migrate-.+"`;
    const rule = (alert: string, expr: string, summary: string) => ({
      alert,
      expr,
      for: '0m',
      labels: { severity: 'warning' },
      annotations: { summary, runbook: `docs/monitoring.md#${alert.toLowerCase()}` },
    });
    new PlainApiObject(this, 'PrometheusRule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: MIGRATION_JOB_RULE_NAME,
        labels: { 'app.kubernetes.io/managed-by': 'cnpg-gitops' },
        // Removing it from Git must not silence the alerts of Jobs that keep running.
        annotations: { ...FLUX_KEEP_WHEN_REMOVED },
      },
      spec: {
        groups: [{
          name: `cnpg-${namespace}-migration-jobs`,
          rules: [
            rule('CnpgMigrationJobFailed',
              `max by (namespace, job_name) (kube_job_status_failed{${jobs}}) > 0`,
              `a migration Job in ${namespace} failed: read its gate, checkpoint and migrate logs before anything else`),
            rule('CnpgMigrationJobRunningTooLong',
              `(time() - max by (namespace, job_name) (kube_job_status_start_time{${jobs}})) > ${props.migrationRunningSeconds ?? 2700} and on (namespace, job_name) max by (namespace, job_name) (kube_job_status_active{${jobs}}) > 0`,
              `a migration Job in ${namespace} has been running for long: check for lock waits`),
          ],
        }],
      },
    });
  }
}
