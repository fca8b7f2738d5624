import { BARMAN_CLOUD_PLUGIN } from '../../names';
import { Finding, Guardrail } from '../rule';

export const walArchiving: Guardrail = {
  id: 'WAL001',
  title: 'Every cluster archives WAL to an object store through the Barman Cloud plugin',
  explanation: 'Without continuous WAL archiving there is no point-in-time recovery: a bad migration or a lost volume can only be rolled back to the last base backup, if there is one.',
  fix: 'set objectStore (destinationPath, credentials) in the environment config so the cluster gets a barman-cloud plugin entry with isWALArchiver: true pointing at its ObjectStore',
  configField: 'objectStore',
  kinds: ['Cluster'],
  admission: () => ({
    resources: [{ apiGroup: 'postgresql.cnpg.io', resource: 'clusters', operations: ['CREATE', 'UPDATE'] }],
    validations: [
      {
        expression: "has(object.spec.plugins) && object.spec.plugins.filter(p, has(p.isWALArchiver) && p.isWALArchiver && (!has(p.enabled) || p.enabled)).size() == 1",
        message: 'WAL001: a CNPG Cluster needs exactly one enabled WAL-archiver plugin (docs/guardrails/WAL001.md)',
      },
      {
        expression: `!has(object.spec.plugins) || object.spec.plugins.all(p, !(has(p.isWALArchiver) && p.isWALArchiver) || p.name == '${BARMAN_CLOUD_PLUGIN}')`,
        message: 'WAL001: the WAL archiver must be the Barman Cloud plugin (docs/guardrails/WAL001.md)',
      },
    ],
  }),
  check(cluster, context) {
    const archivers = (cluster.manifest.spec?.plugins ?? []).filter(
      (plugin: any) => plugin.isWALArchiver === true && plugin.enabled !== false,
    );
    if (archivers.length !== 1) {
      return [{ message: `cluster has ${archivers.length} enabled WAL-archiver plugins, needs exactly one`, value: archivers.map((p: any) => p.name) }];
    }
    const [archiver] = archivers;
    const findings: Finding[] = [];
    if (archiver.name !== BARMAN_CLOUD_PLUGIN) {
      findings.push({ message: `the WAL archiver is not the Barman Cloud plugin (${BARMAN_CLOUD_PLUGIN})`, value: archiver.name });
    }
    const storeName = archiver.parameters?.barmanObjectName;
    if (!storeName || !context.find('ObjectStore', storeName)) {
      findings.push({ message: 'the WAL archiver does not point at an ObjectStore rendered for this environment', value: storeName });
    }
    return findings;
  },
};
