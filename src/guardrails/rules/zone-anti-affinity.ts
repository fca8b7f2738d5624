import { Guardrail } from '../rule';

const ZONE = 'topology.kubernetes.io/zone';

export const zoneAntiAffinity: Guardrail = {
  id: 'HA002',
  title: 'Instances are spread across availability zones',
  explanation: 'CNPG spreads instances over nodes by default; nodes of one zone fail together, so a zone outage can take the primary and every replica at once.',
  fix: `set cluster.topologyKey to "${ZONE}" (and cluster.podAntiAffinityType to "required" when the cluster has at least as many zones as instances)`,
  configField: 'cluster.topologyKey',
  kinds: ['Cluster'],
  check(cluster) {
    const affinity = cluster.manifest.spec?.affinity ?? {};
    if (affinity.enablePodAntiAffinity === false) return [{ message: 'pod anti-affinity is disabled', value: false }];
    const topologyKey = affinity.topologyKey ?? 'kubernetes.io/hostname';
    return topologyKey === ZONE ? [] : [{ message: `instances are spread over ${topologyKey}, not zones`, value: topologyKey }];
  },
};
