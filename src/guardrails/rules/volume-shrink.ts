import { RESTORE_ANNOTATIONS } from '../../constructs/pitr-restore';
import { storageBytes } from '../../values/storage-size';
import { Finding, Guardrail } from '../rule';

/** A Cluster's volume size as CNPG reads it: `size`, or the request of its PVC template. */
function sizeOf(storage: any): string | undefined {
  return storage?.size ?? storage?.pvcTemplate?.resources?.requests?.storage;
}

const VOLUMES = [
  { spec: 'storage', what: 'data volume', configField: 'cluster.storageSize' },
  { spec: 'walStorage', what: 'WAL volume', configField: 'cluster.walStorageSize' },
] as const;

export const volumeShrink: Guardrail = {
  id: 'CLU002',
  title: 'A deployed cluster\'s volumes never shrink, and its WAL volume stays',
  explanation: 'CNPG refuses to make a volume of an existing cluster smaller ("can\'t shrink existing storage from 100Gi to 50Gi") and to drop its WAL volume once configured ("walStorage cannot be disabled once configured"). Flux\'s apply of the cluster\'s directory then fails, and every later change to that directory waits behind it. The committed Flux tree is what Flux applied, so synthesis compares against it.',
  fix: 'keep cluster.storageSize and cluster.walStorageSize (a restore\'s storageSize) at least at the size of the committed Flux tree, and keep walStorageSize once set; only a new cluster gets smaller volumes. Outside production, when the cluster is to be deleted and re-created anyway, suppress CLU002 with that reason and delete the Cluster once Flux has applied the change',
  configField: 'cluster.storageSize',
  kinds: ['Cluster'],
  check(cluster, context) {
    const deployed = context.deployed(cluster);
    if (deployed === undefined) return [];
    const restore = cluster.manifest.metadata?.annotations?.[RESTORE_ANNOTATIONS.source] !== undefined;
    const findings: Finding[] = [];
    for (const volume of VOLUMES) {
      const before = sizeOf(deployed.spec?.[volume.spec]);
      const after = sizeOf(cluster.manifest.spec?.[volume.spec]);
      const configField = restore ? 'restores' : volume.configField;
      if (before === undefined) continue;
      if (after === undefined && volume.spec === 'walStorage') {
        findings.push({ message: `cluster ${cluster.name} would lose its ${before} ${volume.what} of the committed Flux tree: CNPG refuses ("walStorage cannot be disabled once configured")`, value: after, configField });
        continue;
      }
      const [beforeBytes, afterBytes] = [storageBytes(before), after === undefined ? undefined : storageBytes(after)];
      if (beforeBytes !== undefined && afterBytes !== undefined && afterBytes < beforeBytes) {
        findings.push({ message: `cluster ${cluster.name}'s ${volume.what} would shrink from ${before} (the committed Flux tree: what Flux applied) to ${after}: CNPG refuses ("can't shrink existing storage from ${before} to ${after}")`, value: after, configField });
      }
    }
    return findings;
  },
};
