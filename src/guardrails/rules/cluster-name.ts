import { Guardrail } from '../rule';

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LENGTH = 50;

export const clusterName: Guardrail = {
  id: 'CLU001',
  title: 'Cluster names are DNS-1035 labels of at most 50 characters',
  explanation: 'CNPG derives pod, service and secret names from the cluster name and rejects names longer than 50 characters or that are not DNS-1035 labels; the rejection only shows up when Flux applies the directory.',
  fix: 'rename cluster.name to lowercase letters, digits and dashes, starting with a letter, at most 50 characters',
  configField: 'cluster.name',
  kinds: ['Cluster'],
  check(cluster) {
    const name = cluster.name;
    if (name.length > MAX_LENGTH) return [{ message: `cluster name has ${name.length} characters, at most ${MAX_LENGTH} allowed`, value: name }];
    return DNS_1035_LABEL.test(name) ? [] : [{ message: 'cluster name is not a DNS-1035 label', value: name }];
  },
};
