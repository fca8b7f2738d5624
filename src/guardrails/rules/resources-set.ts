import { Guardrail } from '../rule';

export const resourcesSet: Guardrail = {
  id: 'HA003',
  title: 'PostgreSQL containers have CPU and memory requests and a memory limit',
  explanation: 'Without requests the pods are BestEffort: the first to be evicted under node pressure, and scheduled without regard to the memory shared_buffers and work_mem need.',
  fix: 'set cluster.resources.requests.cpu, cluster.resources.requests.memory and cluster.resources.limits.memory',
  configField: 'cluster.resources',
  kinds: ['Cluster'],
  check(cluster) {
    const resources = cluster.manifest.spec?.resources ?? {};
    const missing = ['requests.cpu', 'requests.memory', 'limits.memory'].filter((field) => {
      const [group, name] = field.split('.');
      return resources[group]?.[name] === undefined;
    });
    return missing.length === 0 ? [] : [{ message: `resources ${missing.join(', ')} not set`, value: resources }];
  },
};
