import { Construct } from 'constructs';
import {
  Kustomization,
  toJson_KustomizationProps,
  KustomizationSpecDecryption,
  KustomizationSpecHealthCheckExprs,
  KustomizationSpecHealthChecks,
  KustomizationSpecSourceRefKind,
} from '../../imports/flux-kustomize.toolkit.fluxcd.io';
import { placeInFile } from './placement';
import { plainImportedKind } from '../constructs/plain-api-object';

/** Rendered in one pass (src/constructs/plain-api-object.ts). */
const PlainKustomization = plainImportedKind(Kustomization, toJson_KustomizationProps);

/** Flux health expressions for CNPG kinds: kstatus alone reads them as ready too early. */
export const CLUSTER_HEALTH_CHECK = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  current: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
  failed: "status.phase == 'Cluster is unrecoverable and needs manual intervention'",
};

/** A Backup has only `status.phase`: without this expression kstatus reads it as ready at once. */
export const BACKUP_HEALTH_CHECK = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Backup',
  current: "status.phase == 'completed'",
  failed: "status.phase in ['failed', 'invalid backup definition']",
};

export interface FluxStageProps {
  /** `metadata.name`: at most 63 characters, since Flux labels every object it applies with it. */
  readonly name: string;
  /** Directory of the tree it applies, relative to `flux/`. */
  readonly path: string;
  /** Name of the Flux `GitRepository` that holds this repository. */
  readonly sourceName: string;
  readonly interval: string;
  readonly retryInterval: string;
  /** How long applying and the health checks may take. */
  readonly timeout: string;
  /**
   * Stages (in `flux-system`) that must be Ready first.
   * @default - none
   */
  readonly dependsOn?: readonly string[];
  /**
   * Objects whose health makes the stage Ready. Without them the stage waits for everything it
   * applied (`wait: true`); with them it checks exactly these, on every reconciliation, even the
   * ones Flux does not apply again (`ssa: IfNotPresent`), which `wait` would skip.
   * @default - wait for every applied object
   */
  readonly healthChecks?: readonly KustomizationSpecHealthChecks[];
  /**
   * Wait for every applied object (`wait`). A stage that applies other stages never does: the
   * check would hold one of kustomize-controller's workers until they are all Ready.
   * @default - true unless `healthChecks` are given
   */
  readonly wait?: boolean;
  /** @default - kstatus only */
  readonly healthCheckExprs?: readonly KustomizationSpecHealthCheckExprs[];
  /** @default - no decryption */
  readonly decryption?: KustomizationSpecDecryption;
  /** File of its chart's directory the stage is rendered into. */
  readonly file: string;
}

/**
 * One Flux stage: a `Kustomization` in `flux-system` that applies one directory of the tree,
 * prunes what leaves it, and is Ready only once what it applied is healthy.
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/
 */
export class FluxStage extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: FluxStageProps) {
    super(scope, id);
    this.name = props.name;
    const kustomization = new PlainKustomization(this, 'Resource', {
      metadata: { name: props.name, namespace: 'flux-system' },
      spec: {
        interval: props.interval,
        retryInterval: props.retryInterval,
        timeout: props.timeout,
        prune: true,
        wait: props.wait ?? props.healthChecks === undefined,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: props.sourceName },
        path: `./flux/${props.path}`,
        dependsOn: props.dependsOn?.map((name) => ({ name })),
        healthChecks: props.healthChecks && [...props.healthChecks],
        healthCheckExprs: props.healthCheckExprs && [...props.healthCheckExprs],
        decryption: props.decryption,
      },
    });
    placeInFile(kustomization, props.file);
  }
}
