import { BARMAN_CLOUD_PLUGIN } from '../../names';
import { Finding, Guardrail } from '../rule';

export const pluginMethod: Guardrail = {
  id: 'BKP005',
  title: 'Backups use method plugin with the Barman Cloud pluginConfiguration',
  explanation: 'Backup and ScheduledBackup still default to method barmanObjectStore. With the plugin that default fails every backup ("no barmanObjectStore section defined"), and method plugin without pluginConfiguration is rejected.',
  fix: 'create backups with the ScheduledBackup construct (or GuardedMigrationJob), which set method: plugin and pluginConfiguration.name: barman-cloud.cloudnative-pg.io',
  configField: 'backup',
  kinds: ['ScheduledBackup', 'Backup'],
  admission: () => ({
    resources: [
      { apiGroup: 'postgresql.cnpg.io', resource: 'backups', operations: ['CREATE', 'UPDATE'] },
      { apiGroup: 'postgresql.cnpg.io', resource: 'scheduledbackups', operations: ['CREATE', 'UPDATE'] },
    ],
    validations: [
      { expression: "has(object.spec.method) && object.spec.method == 'plugin'", message: 'BKP005: backups must set method: plugin (the default, barmanObjectStore, fails) (docs/guardrails/BKP005.md)' },
      {
        expression: `has(object.spec.pluginConfiguration) && object.spec.pluginConfiguration.name == '${BARMAN_CLOUD_PLUGIN}'`,
        message: `BKP005: backups must set pluginConfiguration.name: ${BARMAN_CLOUD_PLUGIN} (docs/guardrails/BKP005.md)`,
      },
    ],
  }),
  check(backup) {
    const spec = backup.manifest.spec ?? {};
    const findings: Finding[] = [];
    if (spec.method !== 'plugin') findings.push({ message: `${backup.kind} method is not plugin`, value: spec.method ?? '(unset: barmanObjectStore)' });
    if (spec.pluginConfiguration?.name !== BARMAN_CLOUD_PLUGIN) {
      findings.push({ message: `${backup.kind} pluginConfiguration.name is not ${BARMAN_CLOUD_PLUGIN}`, value: spec.pluginConfiguration?.name });
    }
    return findings;
  },
};
