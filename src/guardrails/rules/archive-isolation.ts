import { BARMAN_CLOUD_PLUGIN } from '../../names';
import { Finding, Guardrail, RuleContext } from '../rule';

/** `<endpoint>|<destinationPath>/<serverName>`: the folder a cluster reads or writes. */
function archiveLocation(storeName: string | undefined, serverName: string | undefined, context: RuleContext): string | undefined {
  const store = storeName === undefined ? undefined : context.find('ObjectStore', storeName);
  if (!store || !serverName) return undefined;
  const configuration = store.manifest.spec?.configuration ?? {};
  const path = String(configuration.destinationPath ?? '').replace(/\/+$/, '');
  return `${configuration.endpointURL ?? 'aws'}|${path}/${serverName}`;
}

export const archiveIsolation: Guardrail = {
  id: 'WAL003',
  title: 'A restored or cloned cluster never archives into the archive it recovers from',
  explanation: 'CNPG refuses to archive into a folder that already holds WAL ("Expected empty archive"), and two clusters writing one archive corrupt it: the source could no longer be recovered.',
  fix: 'give the clone its own archive folder: a different objectStore.destinationPath or serverName (for a clone, bump cloneFrom.clonedOn)',
  configField: 'objectStore.serverName',
  kinds: ['Cluster'],
  check(cluster, context) {
    const spec = cluster.manifest.spec ?? {};
    const archiver = (spec.plugins ?? []).find((plugin: any) => plugin.isWALArchiver === true && plugin.name === BARMAN_CLOUD_PLUGIN);
    if (!archiver) return [];
    const serverName = archiver.parameters?.serverName ?? cluster.name;
    const writes = archiveLocation(archiver.parameters?.barmanObjectName, serverName, context);
    const findings: Finding[] = [];
    for (const external of spec.externalClusters ?? []) {
      if (external.plugin?.name !== BARMAN_CLOUD_PLUGIN) continue;
      const parameters = external.plugin.parameters ?? {};
      const reads = archiveLocation(parameters.barmanObjectName, parameters.serverName ?? cluster.name, context);
      if (writes !== undefined && writes === reads) {
        findings.push({ message: `the cluster archives into the same folder it recovers from (externalClusters[${external.name}])`, value: writes.split('|')[1] });
      }
    }
    return findings;
  },
};
