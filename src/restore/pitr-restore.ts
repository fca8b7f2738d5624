import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { RESTORE_ANNOTATIONS } from '../names';
import { RecoveryTarget } from '../values/recovery-target';
import { CnpgCluster } from '../constructs/cnpg-cluster';
import { RecoveryAssertion, RecoveryVerificationJob } from './recovery-verification-job';
import { ScheduledBackup } from '../constructs/scheduled-backup';

export interface PitrRestoreProps {
  /** The cluster whose archive is recovered. It keeps running, untouched. */
  readonly source: CnpgCluster;
  /** Name of the new cluster (at most 50 characters, not the source's). */
  readonly name: string;
  readonly target: RecoveryTarget;
  /**
   * Instances of the restored cluster.
   * @default - the source's
   */
  readonly instances?: number;
  /**
   * Data volume size of the restored cluster.
   * @default - the source's
   */
  readonly storageSize?: string;
  /** SQL checks of the verification Job. A restore before a migration also checks it is not applied. */
  readonly assertions: readonly RecoveryAssertion[];
  /**
   * Base backups of the restored cluster (its archive folder starts empty).
   * @default - no scheduled backups
   */
  readonly backupSchedule?: string;
}

/** The ledger check of a rollback: works even when the ledger table did not exist yet. */
function notAppliedAssertion(migrationId: string): RecoveryAssertion {
  const ledger = `SELECT count(*) AS c FROM cnpg_gitops.applied_migrations WHERE id = ''${migrationId}''`;
  return {
    name: `migration ${migrationId} is not applied`,
    sql: `SELECT CASE WHEN to_regclass('cnpg_gitops.applied_migrations') IS NULL THEN 0 ELSE (xpath('/row/c/text()', query_to_xml('${ledger}', false, true, '')))[1]::text::int END`,
    expect: '0',
  };
}

/**
 * Rolls a database back by point-in-time recovery into a NEW cluster: CNPG bootstraps it from
 * the source's base backups and WAL (read through the source's ObjectStore, with the source's
 * serverName set explicitly) up to the target, and it archives into its own, empty folder of the
 * same store. It copies the source's settings and application credentials, so switching the
 * application is a change of host. Once Flux sees it Ready, a verification Job runs the
 * assertions.
 * @see https://cloudnative-pg.io/documentation/1.30/recovery/
 */
export class PitrRestore extends Construct {
  public readonly source: CnpgCluster;
  public readonly cluster: CnpgCluster;
  public readonly target: RecoveryTarget;
  public readonly verification: RecoveryVerificationJob;
  /** Base backups of the restored cluster, when it has a schedule. */
  public readonly scheduledBackup?: ScheduledBackup;

  constructor(scope: Construct, id: string, props: PitrRestoreProps) {
    super(scope, id);
    addInvariants(this);
    this.source = props.source;
    this.target = props.target;
    this.cluster = new CnpgCluster(this, 'Cluster', {
      ...props.source.settings,
      name: props.name,
      instances: props.instances ?? props.source.instances,
      storageSize: props.storageSize ?? props.source.storageSize,
      objectStore: props.source.objectStore,
      retentionPolicy: props.source.retentionPolicy,
      serverName: props.name,
      recoverFrom: { cluster: props.source, recoveryTarget: props.target, appSecretName: props.source.appSecretName },
    });
    this.cluster.apiObject.metadata.addAnnotation(RESTORE_ANNOTATIONS.source, props.source.name);
    if (props.target.migrationId) this.cluster.apiObject.metadata.addAnnotation(RESTORE_ANNOTATIONS.migration, props.target.migrationId);
    if (props.target.backupStoppedAt) this.cluster.apiObject.metadata.addAnnotation(RESTORE_ANNOTATIONS.backupStoppedAt, props.target.backupStoppedAt);
    if (props.backupSchedule !== undefined) {
      this.scheduledBackup = new ScheduledBackup(this, 'ScheduledBackup', { cluster: this.cluster, schedule: props.backupSchedule });
    }
    this.verification = new RecoveryVerificationJob(this, 'Verification', {
      cluster: this.cluster,
      assertions: [...(props.target.migrationId ? [notAppliedAssertion(props.target.migrationId)] : []), ...props.assertions],
    });
  }
}
