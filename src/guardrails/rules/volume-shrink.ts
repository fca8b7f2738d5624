import { RESTORE_ANNOTATIONS } from '../../names';
import { storageBytes } from '../../values/storage-size';
import { Guardrail } from '../rule';

/** A volume of a Cluster's spec that a change makes smaller (`after` set) or removes. */
export interface VolumeShrink {
  readonly volume: 'data volume' | 'WAL volume';
  readonly before: string;
  readonly after?: string;
}

/** A volume's size as CNPG reads it: `size`, or the request of its PVC template. */
function sizeOf(storage: any): string | undefined {
  return storage?.size ?? storage?.pvcTemplate?.resources?.requests?.storage;
}

/**
 * What CNPG refuses between a Cluster's deployed spec and a new one: a smaller data or WAL
 * volume, or no WAL volume where there was one (its webhook: validateStorageConfigurationChange,
 * validateWalStorageChange). Sizes that are not quantities are not compared, as there.
 */
export function volumeShrinks(deployed: any, rendered: any): VolumeShrink[] {
  return ([['storage', 'data volume'], ['walStorage', 'WAL volume']] as const).flatMap(([field, volume]): VolumeShrink[] => {
    const [before, after] = [sizeOf(deployed?.[field]), sizeOf(rendered?.[field])];
    if (before === undefined) return [];
    if (after === undefined) return field === 'walStorage' && rendered?.walStorage === undefined ? [{ volume, before }] : [];
    const [beforeBytes, afterBytes] = [storageBytes(before), storageBytes(after)];
    return beforeBytes !== undefined && afterBytes !== undefined && afterBytes < beforeBytes ? [{ volume, before, after }] : [];
  });
}

/** `its data volume would shrink 100Gi → 50Gi`, as the plan and the rule say it. */
export function describeShrink({ volume, before, after }: VolumeShrink): string {
  return after === undefined ? `its ${volume} (${before}) would be removed` : `its ${volume} would shrink ${before} → ${after}`;
}

export const volumeShrink: Guardrail = {
  id: 'CLU002',
  title: 'A deployed cluster\'s volumes never shrink, and its WAL volume stays',
  explanation: 'CNPG refuses to make a volume of an existing cluster smaller ("can\'t shrink existing storage from 100Gi to 50Gi") and to drop its WAL volume once configured ("walStorage cannot be disabled once configured"). Flux\'s apply of the cluster\'s directory then fails, and every later change to that directory waits behind it. The committed Flux tree is what Flux applied, so synthesis compares against it.',
  fix: 'keep cluster.storageSize and cluster.walStorageSize (a restore\'s storageSize) at least at the size of the committed Flux tree, and keep walStorageSize once set; only a new cluster gets smaller volumes. Outside production, when the cluster is to be deleted and re-created anyway, suppress CLU002 with that reason and delete the Cluster once Flux has applied the change',
  configField: 'cluster.storageSize',
  kinds: ['Cluster'],
  check(cluster, context) {
    const restore = cluster.manifest.metadata?.annotations?.[RESTORE_ANNOTATIONS.source] !== undefined;
    return volumeShrinks(context.deployed(cluster)?.spec, cluster.manifest.spec).map((shrink) => ({
      message: `cluster ${cluster.name}: ${describeShrink(shrink)} against the committed Flux tree (what Flux applied); CNPG refuses it ("${shrink.after === undefined ? 'walStorage cannot be disabled once configured' : `can't shrink existing storage from ${shrink.before} to ${shrink.after}`}")`,
      value: shrink.after,
      configField: restore ? 'restores' : shrink.volume === 'data volume' ? 'cluster.storageSize' : 'cluster.walStorageSize',
    }));
  },
};
