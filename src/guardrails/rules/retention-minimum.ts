import { BARMAN_CLOUD_PLUGIN } from '../../names';
import { RetentionPolicy } from '../../values/retention-policy';
import { Guardrail } from '../rule';

export const retentionMinimum: Guardrail = {
  id: 'BKP002',
  title: 'Backups are kept at least as long as the environment requires',
  explanation: 'The retention window is how far back point-in-time recovery can go. A migration whose damage is noticed after the window has closed can no longer be rolled back.',
  fix: 'raise backup.retentionPolicy to at least the environment minimum (see src/guardrails/packs.ts)',
  configField: 'backup.retentionPolicy',
  kinds: ['Cluster'],
  check(cluster, context) {
    const archiver = (cluster.manifest.spec?.plugins ?? []).find((plugin: any) => plugin.isWALArchiver === true && plugin.name === BARMAN_CLOUD_PLUGIN);
    const store = archiver && context.find('ObjectStore', archiver.parameters?.barmanObjectName);
    const policy = store?.manifest.spec?.retentionPolicy;
    if (policy === undefined) return [];
    const days = RetentionPolicy.parse(policy)?.days;
    const minimum = context.parameters.minimumRetentionDays;
    if (days === undefined || days >= minimum) return [];
    return [{ message: `retention keeps ${days} days, ${context.environment} needs at least ${minimum}`, value: policy }];
  },
};
