import { storageBytes } from '../../values/storage-size';
import { Guardrail } from '../rule';

interface Volumes {
  readonly name: string;
  readonly storageSize: string;
  readonly walStorageSize?: string;
}

/** Bytes of the data volume, plus the WAL volume's when WAL has its own. */
const total = (volumes: Volumes) => storageBytes(volumes.storageSize)! + (volumes.walStorageSize === undefined ? 0 : storageBytes(volumes.walStorageSize)!);

export const recoveryVolumes: Guardrail = {
  id: 'RCV002',
  title: 'A clone or restore has room for its source\'s data and WAL',
  explanation: 'Recovery restores the source\'s base backup and replays its WAL into the new cluster\'s volumes. A clone or restore smaller than its source fails once the source has grown past it ("no space left on device" in the full-recovery job), typically months after the clone was sized, on the day the clone or the rollback is needed.',
  fix: 'leave the clone\'s cluster.storageSize and cluster.walStorageSize unset, so it takes its source\'s, or set them at least as large (and storageSize of a restore too); without a WAL volume of its own the data volume must hold the source\'s WAL volume as well',
  configField: 'cluster.storageSize',
  kinds: ['ClusterVolumes'],
  check(cluster) {
    const { source, restore } = cluster.manifest as Volumes & { source?: Volumes; restore: boolean };
    const volumes = cluster.manifest as Volumes;
    if (source === undefined) return [];
    const field = restore ? { configField: 'restores' } : {};
    const what = `${restore ? 'restore' : 'clone'} ${volumes.name}`;
    if (storageBytes(volumes.storageSize)! < storageBytes(source.storageSize)!) {
      return [{ message: `${what} has a ${volumes.storageSize} data volume, smaller than the ${source.storageSize} of ${source.name}`, value: volumes.storageSize, ...field }];
    }
    if (volumes.walStorageSize !== undefined && source.walStorageSize !== undefined && storageBytes(volumes.walStorageSize)! < storageBytes(source.walStorageSize)!) {
      return [{ message: `${what} has a ${volumes.walStorageSize} WAL volume, smaller than the ${source.walStorageSize} of ${source.name}`, value: volumes.walStorageSize, configField: restore ? 'restores' : 'cluster.walStorageSize' }];
    }
    if (total(volumes) < total(source)) {
      return [{ message: `${what} keeps WAL on its ${volumes.storageSize} data volume, smaller than the ${source.storageSize} data and ${source.walStorageSize} WAL volumes of ${source.name} together`, value: volumes.storageSize, ...field }];
    }
    return [];
  },
};
