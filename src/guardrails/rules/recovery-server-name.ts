import { BARMAN_CLOUD_PLUGIN } from '../../names';
import { Guardrail } from '../rule';

export const recoveryServerName: Guardrail = {
  id: 'RCV001',
  title: 'Recovery names the source archive folder explicitly',
  explanation: 'For recovery the Barman Cloud plugin defaults serverName to the name of the NEW cluster, not the source: without an explicit serverName the restore looks in an empty folder and fails with "no target backup found".',
  fix: 'recover through cloneFrom (or PitrRestore), which sets externalClusters[].plugin.parameters.serverName to the source cluster\'s serverName',
  configField: 'cloneFrom',
  kinds: ['Cluster'],
  check(cluster) {
    return (cluster.manifest.spec?.externalClusters ?? [])
      .filter((external: any) => external.plugin?.name === BARMAN_CLOUD_PLUGIN && !external.plugin.parameters?.serverName)
      .map((external: any) => ({ message: `externalClusters[${external.name}] reads the archive without an explicit serverName`, value: external.plugin.parameters }));
  },
};
