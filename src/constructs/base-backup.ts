import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { Backup, BackupSpecMethod, BackupSpecTarget, toJson_BackupProps } from '../../imports/cnpg-postgresql.cnpg.io';
import { BARMAN_CLOUD_PLUGIN, FLUX_APPLY_ONCE, FLUX_KEEP_WHEN_REMOVED } from '../names';
import { CnpgCluster } from './cnpg-cluster';
import { plainImportedKind } from './plain-api-object';

/** Rendered in one pass (src/constructs/plain-api-object.ts). */
const PlainBackup = plainImportedKind(Backup, toJson_BackupProps);

export interface BaseBackupProps {
  /** The cluster to back up, from its primary, through the Barman Cloud plugin. */
  readonly cluster: CnpgCluster;
  /** `metadata.name` of the Backup: a Backup's spec is immutable, so each backup needs a new name. */
  readonly name: string;
}

/**
 * One on-demand base backup of a cluster's primary through the Barman Cloud plugin (never the
 * deprecated default method). Flux creates it once and keeps it when it leaves Git; CNPG runs it
 * as soon as the primary is ready.
 * @see https://cloudnative-pg.io/documentation/1.30/backup/#on-demand-backups
 */
export class BaseBackup extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: BaseBackupProps) {
    super(scope, id);
    addInvariants(this);
    this.name = props.name;
    new PlainBackup(this, 'Resource', {
      metadata: { name: props.name, annotations: { ...FLUX_APPLY_ONCE, ...FLUX_KEEP_WHEN_REMOVED } },
      spec: {
        cluster: { name: props.cluster.name },
        method: BackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        target: BackupSpecTarget.PRIMARY,
      },
    });
  }
}
