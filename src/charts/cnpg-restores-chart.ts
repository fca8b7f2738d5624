import { Construct } from 'constructs';
import { EnvironmentDatabase } from '../config/databases';
import { RestoreTargetConfig } from '../config/types';
import { CnpgCluster } from '../constructs/cnpg-cluster';
import { PitrRestore } from '../restore/pitr-restore';
import { FluxChart } from '../flux/flux-chart';
import { restoreClusterFile, restoresDirectory, restoreVerificationFile } from '../flux/layout';
import { placeInFile } from '../flux/placement';
import { RecoveryTarget } from '../values/recovery-target';

/** The RecoveryTarget a config entry describes (the config validator has checked its form). */
export function recoveryTargetOf(target: RestoreTargetConfig): RecoveryTarget {
  if ('beforeMigration' in target) return RecoveryTarget.beforeMigration({ migrationId: target.beforeMigration, startedAt: target.startedAt, backupId: target.backupId, backupStoppedAt: target.backupStoppedAt });
  if ('restorePoint' in target) return RecoveryTarget.restorePoint({ migrationId: target.restorePoint, backupId: target.backupId });
  if ('time' in target) return RecoveryTarget.time(target.time, target.backupId, target.backupStoppedAt);
  if ('lsn' in target) return RecoveryTarget.lsn(target.lsn, target.backupId);
  return RecoveryTarget.immediate(target.backupId);
}

export interface CnpgRestoresChartProps {
  readonly environment: EnvironmentDatabase;
  /** The database's cluster, which the restores recover. */
  readonly source: CnpgCluster;
}

/** One database's point-in-time restores, each a new cluster plus its verification Job. */
export class CnpgRestoresChart extends FluxChart {
  public readonly restores: PitrRestore[];

  constructor(scope: Construct, id: string, props: CnpgRestoresChartProps) {
    const env = props.environment;
    super(scope, id, { environment: env, namespace: env.namespace, directory: restoresDirectory(env) });
    this.restores = (env.restores ?? []).map((restore) => {
      const pitrRestore = new PitrRestore(this, restore.name, {
        source: props.source,
        name: restore.name,
        target: recoveryTargetOf(restore.target),
        instances: restore.instances,
        storageSize: restore.storageSize,
        assertions: restore.verify,
        backupSchedule: env.backup.schedule,
      });
      placeInFile(pitrRestore.verification, restoreVerificationFile(restore.name));
      placeInFile(pitrRestore, restoreClusterFile(restore.name));
      return pitrRestore;
    });
  }
}
