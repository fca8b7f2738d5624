import { Construct } from 'constructs';
import { EnvironmentDatabase, isMonitored, pendingMigrations } from '../config/databases';
import { BarmanObjectStore } from '../constructs/barman-object-store';
import { BaseBackup } from '../constructs/base-backup';
import { ClusterMonitoring } from '../constructs/cluster-monitoring';
import { CnpgCluster } from '../constructs/cnpg-cluster';
import { MigrationJobMonitoring } from '../constructs/migration-job-monitoring';
import { MigrationScripts } from '../constructs/migration-scripts';
import { ScheduledBackup } from '../constructs/scheduled-backup';
import { FluxChart } from '../flux/flux-chart';
import { CLONE_BASE_BACKUP_FILE, CLUSTER_FILES, clustersDirectory, MIGRATION_SCRIPTS_FILE } from '../flux/layout';
import { placeInFile } from '../flux/placement';
import { configureIn } from '../guardrails/config-origin';

/**
 * The archive folder of a clone: a new folder for every re-clone, so the clone never writes
 * into an archive that already holds WAL ("Expected empty archive").
 */
export function cloneServerName(clusterName: string, clonedOn: string): string {
  return `${clusterName}-clone-${clonedOn.replaceAll('-', '')}`;
}

export interface CnpgClustersChartProps {
  readonly environment: EnvironmentDatabase;
  /** The cluster this environment clones, when `cloneFrom` is set. */
  readonly cloneSource?: CnpgCluster;
  /**
   * Render the alerts on the namespace's migration Jobs, in this database's monitoring file:
   * one monitored database of the environment has them, so each Job raises one alert.
   * @default false
   */
  readonly migrationJobAlerts?: boolean;
}

/**
 * One database of an environment: cluster, object store, credentials, scheduled backups,
 * monitoring and, when it applies migrations, the scripts its migration Jobs share (applied
 * with the cluster, so they exist before any migration stage starts).
 */
export class CnpgClustersChart extends FluxChart {
  public readonly cluster: CnpgCluster;
  public readonly scheduledBackup: ScheduledBackup;
  /** The migration Jobs' scripts, when the database applies migrations. */
  public readonly migrationScripts?: MigrationScripts;
  /**
   * A clone's first base backup, into its new archive folder, taken as soon as it is ready: the
   * ScheduledBackup's `immediate` fires only when the ScheduledBackup itself is created.
   */
  public readonly cloneBaseBackup?: BaseBackup;

  constructor(scope: Construct, id: string, props: CnpgClustersChartProps) {
    const env = props.environment;
    super(scope, id, { environment: env, namespace: env.namespace, directory: clustersDirectory(env), additionalResources: env.flux?.additionalResources });

    const { serverName, ...objectStore } = env.objectStore;
    this.cluster = new CnpgCluster(this, 'Cluster', {
      ...env.cluster,
      objectStore,
      serverName: serverName ?? (env.cloneFrom && cloneServerName(env.cluster.name, env.cloneFrom.clonedOn)),
      retentionPolicy: env.backup.retentionPolicy,
      appCredentials: env.appCredentials,
      migrator: env.migrations && { role: env.migrations.migratorRole, credentials: env.migrations.migratorCredentials },
      recoverFrom: env.cloneFrom && props.cloneSource && {
        cluster: props.cloneSource,
        credentials: env.cloneFrom.credentials,
      },
    });
    const recoverySource = this.cluster.recoveredFrom?.objectStore;
    if (env.cloneFrom && props.cloneSource && recoverySource !== undefined && recoverySource !== props.cloneSource.objectStore) {
      const source = { environment: env.cloneFrom.environment, cluster: props.cloneSource.name };
      configureIn(recoverySource, {
        'objectStore.provider': source,
        'objectStore.destinationPath': source,
        'objectStore.endpointURL': source,
        'objectStore.credentials': { environmentField: 'cloneFrom.credentials' },
      });
    }
    this.scheduledBackup = new ScheduledBackup(this, 'ScheduledBackup', {
      cluster: this.cluster,
      schedule: env.backup.schedule,
      target: env.backup.target,
    });
    if (isMonitored(env)) {
      const monitoring = new ClusterMonitoring(this, 'Monitoring', {
        cluster: this.cluster,
        backupSchedule: env.backup.schedule,
        severity: env.name === 'production' ? 'critical' : 'warning',
        replicationLagSeconds: env.monitoring?.replicationLagSeconds,
      });
      placeInFile(monitoring, CLUSTER_FILES.monitoring);
    }
    if (props.migrationJobAlerts) {
      placeInFile(new MigrationJobMonitoring(this, 'MigrationJobMonitoring', { namespace: env.namespace }), CLUSTER_FILES.monitoring);
    }
    if (env.cloneFrom) {
      this.cloneBaseBackup = new BaseBackup(this, 'CloneBaseBackup', { cluster: this.cluster, name: `${this.cluster.serverName}-base` });
      placeInFile(this.cloneBaseBackup, CLONE_BASE_BACKUP_FILE);
    }
    if (pendingMigrations(env).length > 0) {
      this.migrationScripts = new MigrationScripts(this, 'MigrationScripts', { cluster: this.cluster });
      placeInFile(this.migrationScripts, MIGRATION_SCRIPTS_FILE);
    }
    placeInFile(this.cluster.appCredentials, CLUSTER_FILES.appSecret);
    placeInFile(this.cluster.migratorCredentials, CLUSTER_FILES.migratorSecret);
    for (const store of this.node.findAll().filter((construct) => construct instanceof BarmanObjectStore)) {
      placeInFile(store.credentials, CLUSTER_FILES.objectStoreCredentials);
    }
  }
}
