import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomize.toolkit.fluxcd.io';
import { EnvironmentConfig } from '../config/types';
import { FluxChart } from '../flux/flux-chart';
import { placeInFile } from '../flux/placement';
import { clustersDirectory } from './cnpg-clusters-chart';

/** Flux health expressions for CNPG kinds: kstatus alone reads them as ready too early. */
export const CLUSTER_HEALTH_CHECK = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  current: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
  failed: "status.phase == 'Cluster is unrecoverable and needs manual intervention'",
};

export interface FluxSyncChartProps {
  readonly environment: EnvironmentConfig;
}

/**
 * The Flux `Kustomization` that reconciles an environment's database directory: after the
 * operators it depends on, pruning what is removed from Git, and Ready only once the
 * Cluster reports Ready.
 */
export class FluxSyncChart extends FluxChart {
  constructor(scope: Construct, id: string, props: FluxSyncChartProps) {
    const env = props.environment;
    super(scope, id, {
      environment: env,
      namespace: 'flux-system',
      directory: `clusters/${env.name}`,
      kustomization: false,
    });
    const flux = env.flux ?? {};
    const interval = flux.interval ?? '10m';

    const kustomization = new Kustomization(this, 'CnpgClusters', {
      metadata: { name: 'cnpg-clusters' },
      spec: {
        interval,
        retryInterval: '2m',
        timeout: '15m',
        path: `./flux/${clustersDirectory(env.name)}`,
        prune: true,
        wait: true,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: flux.sourceName ?? 'flux-system' },
        dependsOn: (flux.dependsOn ?? ['infra-controllers']).map((name) => ({ name })),
        healthCheckExprs: [CLUSTER_HEALTH_CHECK],
      },
    });
    placeInFile(kustomization, 'cnpg-clusters.yaml');
  }
}
