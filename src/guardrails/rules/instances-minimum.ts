import { Guardrail } from '../rule';

export const instancesMinimum: Guardrail = {
  id: 'HA001',
  title: 'Enough instances for the environment',
  explanation: 'With one instance a node failure or a rolling update is an outage; production needs a primary and two replicas so one can fail while another is being updated.',
  fix: 'raise cluster.instances to the environment minimum (see src/guardrails/packs.ts)',
  configField: 'cluster.instances',
  kinds: ['Cluster'],
  admission: (parameters) => ({
    resources: [{ apiGroup: 'postgresql.cnpg.io', resource: 'clusters', operations: ['CREATE', 'UPDATE'] }],
    validations: [{
      expression: `(has(object.spec.instances) ? object.spec.instances : 1) >= ${parameters.minimumInstances}`,
      message: `HA001: this environment needs at least ${parameters.minimumInstances} instances (docs/guardrails/HA001.md)`,
    }],
  }),
  check(cluster, context) {
    const instances = cluster.manifest.spec?.instances ?? 1;
    const minimum = context.parameters.minimumInstances;
    return instances >= minimum ? [] : [{ message: `cluster has ${instances} instance(s), ${context.environment} needs at least ${minimum}`, value: instances }];
  },
};
