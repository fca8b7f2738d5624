import { Finding, Guardrail } from '../rule';

export const noNativeBarmanObjectStore: Guardrail = {
  id: 'WAL002',
  title: 'No native barmanObjectStore (removed in CNPG 1.31)',
  explanation: 'The in-tree spec.backup.barmanObjectStore and externalClusters[].barmanObjectStore are deprecated since CNPG 1.26 and removed in 1.31; a cluster that still uses them stops backing up after the operator upgrade, and the operator rejects them next to a WAL-archiver plugin.',
  fix: 'remove barmanObjectStore overrides; the constructs archive and recover through the Barman Cloud plugin (spec.plugins and externalClusters[].plugin)',
  configField: 'objectStore',
  kinds: ['Cluster'],
  admission: () => ({
    resources: [{ apiGroup: 'postgresql.cnpg.io', resource: 'clusters', operations: ['CREATE', 'UPDATE'] }],
    validations: [
      {
        expression: '!has(object.spec.backup) || !has(object.spec.backup.barmanObjectStore)',
        message: 'WAL002: spec.backup.barmanObjectStore is removed in CNPG 1.31; archive through the Barman Cloud plugin (docs/guardrails/WAL002.md)',
      },
      {
        expression: '!has(object.spec.externalClusters) || object.spec.externalClusters.all(c, !has(c.barmanObjectStore))',
        message: 'WAL002: externalClusters[].barmanObjectStore is removed in CNPG 1.31; recover through the plugin (docs/guardrails/WAL002.md)',
      },
    ],
  }),
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
