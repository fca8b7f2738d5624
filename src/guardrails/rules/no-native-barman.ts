import { Finding, Guardrail } from '../rule';

export const noNativeBarmanObjectStore: Guardrail = {
  id: 'WAL002',
  title: 'No native barmanObjectStore (removed in CNPG 1.31)',
  explanation: 'The in-tree spec.backup.barmanObjectStore and externalClusters[].barmanObjectStore are deprecated since CNPG 1.26 and removed in 1.31; a cluster that still uses them stops backing up after the operator upgrade, and the operator rejects them next to a WAL-archiver plugin.',
  fix: 'remove barmanObjectStore overrides; the constructs archive and recover through the Barman Cloud plugin (spec.plugins and externalClusters[].plugin)',
  configField: 'objectStore',
  kinds: ['Cluster'],
  check(cluster) {
    const findings: Finding[] = [];
    if (cluster.manifest.spec?.backup?.barmanObjectStore !== undefined) {
      findings.push({ message: 'spec.backup.barmanObjectStore is set', value: cluster.manifest.spec.backup.barmanObjectStore.destinationPath });
    }
    for (const external of cluster.manifest.spec?.externalClusters ?? []) {
      if (external.barmanObjectStore !== undefined) {
        findings.push({ message: `externalClusters[${external.name}].barmanObjectStore is set`, value: external.barmanObjectStore.destinationPath });
      }
    }
    return findings;
  },
};
