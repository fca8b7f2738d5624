import { RetentionPolicy } from '../../values/retention-policy';
import { Guardrail } from '../rule';

export const retentionFormat: Guardrail = {
  id: 'BKP001',
  title: 'Retention policy has the form <n>d, <n>w or <n>m',
  explanation: 'The plugin only understands a recovery window matching ^[1-9][0-9]*[dwm]$; anything else is rejected by the ObjectStore CRD, so the whole directory fails to apply.',
  fix: 'write backup.retentionPolicy as a number of days, weeks or months, e.g. "30d"',
  configField: 'backup.retentionPolicy',
  kinds: ['ObjectStore'],
  check(store) {
    const policy = store.manifest.spec?.retentionPolicy;
    if (policy === undefined || RetentionPolicy.parse(policy) !== undefined) return [];
    return [{ message: 'retention policy does not match ^[1-9][0-9]*[dwm]$', value: policy }];
  },
};
