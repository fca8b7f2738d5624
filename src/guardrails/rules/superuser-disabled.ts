import { Guardrail } from '../rule';

export const superuserDisabled: Guardrail = {
  id: 'SEC003',
  title: 'No network access as the postgres superuser',
  explanation: 'A superuser can bypass every grant, read every row and drop the cluster\'s safety functions; applications and migrations run as the database owner.',
  fix: 'set cluster.enableSuperuserAccess to false (the default)',
  configField: 'cluster.enableSuperuserAccess',
  kinds: ['Cluster'],
  check(cluster) {
    return cluster.manifest.spec?.enableSuperuserAccess === true ? [{ message: 'superuser access is enabled', value: true }] : [];
  },
};
