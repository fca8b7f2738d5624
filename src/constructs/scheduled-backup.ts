import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { BARMAN_CLOUD_PLUGIN, FLUX_KEEP_WHEN_REMOVED } from '../names';
import {
  ScheduledBackup as ScheduledBackupResource,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
  ScheduledBackupSpecTarget,
  toJson_ScheduledBackupProps,
} from '../../imports/cnpg-postgresql.cnpg.io';
import { CnpgCluster } from './cnpg-cluster';
import { plainImportedKind } from './plain-api-object';

/** Rendered in one pass (src/constructs/plain-api-object.ts). */
const PlainScheduledBackupResource = plainImportedKind(ScheduledBackupResource, toJson_ScheduledBackupProps);

export interface ScheduledBackupProps {
  /** The cluster to back up. */
  readonly cluster: CnpgCluster;
  /**
   * Six-field cron expression, seconds first: `0 0 3 * * *` is 03:00:00 daily.
   * @see https://cloudnative-pg.io/documentation/1.30/backup/#scheduled-backups
   */
  readonly schedule: string;
  /**
   * Which instance takes the backup.
   * @default 'prefer-standby'
   */
  readonly target?: 'primary' | 'prefer-standby';
  /**
   * `metadata.name`; each Backup it creates is named `<name>-<YYYYMMDDhhmmss>`.
   * @default '<cluster name>-scheduled'
   */
  readonly name?: string;
}

/**
 * A CNPG `ScheduledBackup` through the Barman Cloud plugin. It always sets `method: plugin`
 * and `pluginConfiguration` (CNPG still defaults to the deprecated `barmanObjectStore`, which
 * would make every backup fail), takes a first backup as soon as it is created, and owns the
 * Backups it creates.
 */
export class ScheduledBackup extends Construct {
  public readonly name: string;
  public readonly schedule: string;
  public readonly cluster: CnpgCluster;

  constructor(scope: Construct, id: string, props: ScheduledBackupProps) {
    super(scope, id);
    addInvariants(this);
    this.name = props.name ?? `${props.cluster.name}-scheduled`;
    this.schedule = props.schedule;
    this.cluster = props.cluster;

    new PlainScheduledBackupResource(this, 'Resource', {
      // Removing it from Git must not stop the base backups of a cluster that keeps running.
      metadata: { name: this.name, annotations: { ...FLUX_KEEP_WHEN_REMOVED } },
      spec: {
        cluster: { name: props.cluster.name },
        schedule: props.schedule,
        method: ScheduledBackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
        immediate: true,
        target: (props.target ?? 'prefer-standby') as ScheduledBackupSpecTarget,
      },
    });
  }
}
