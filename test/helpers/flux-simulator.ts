import * as YAML from 'yaml';
import { TreeFile } from '../../src/flux/tree-writer';

/**
 * What kustomize-controller does with the rendered Flux tree, reduced to ordering, in rounds.
 * There is no API server here, so this is a model, written from the controller's documented and
 * coded behaviour (kustomize-controller v1.9: docs/spec/v1/kustomizations.md "Dependencies",
 * "Health checks"; internal/controller/kustomization_controller.go `checkHealth`):
 * - a Kustomization applies once every Kustomization in its `dependsOn` is Ready;
 * - it applies every object its directory's kustomization.yaml lists, together, in one round
 *   (objects that are Kustomizations become stages of their own);
 * - it is Ready once the objects it health-checks are healthy: every applied object with
 *   `wait: true`, exactly `healthChecks` otherwise;
 * - a Job is healthy once it completed (the next round after its creation, unless it fails), a
 *   Backup once completed, a Cluster once Ready (both the next round), a Kustomization once Ready,
 *   anything else at once.
 */
export interface AppliedObject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly manifest: any;
  /** The Kustomization that applied it. */
  readonly stage: string;
  /** The round it was created in. */
  readonly createdAt: number;
}

export interface Simulation {
  readonly objects: readonly AppliedObject[];
  /** Round each Kustomization became Ready, by name. */
  readonly readyAt: ReadonlyMap<string, number>;
  /** Round each Job completed, by `<namespace>/<name>`; failed Jobs never do. */
  readonly completedAt: ReadonlyMap<string, number>;
}

interface Stage {
  readonly name: string;
  readonly path: string;
  readonly dependsOn: readonly string[];
  readonly wait: boolean;
  readonly healthChecks: readonly { kind: string; name: string; namespace?: string }[];
}

const key = (kind: string, name: string, namespace?: string) => `${kind}|${namespace ?? ''}|${name}`;

function stageOf(manifest: any): Stage {
  return {
    name: manifest.metadata.name,
    path: String(manifest.spec.path).replace(/^\.\/flux\//, ''),
    dependsOn: (manifest.spec.dependsOn ?? []).map((dependency: { name: string }) => dependency.name),
    wait: manifest.spec.wait === true,
    healthChecks: manifest.spec.healthChecks ?? [],
  };
}

/**
 * Runs the model over the tree of one environment until nothing changes.
 * @param roots the Kustomizations the cluster's bootstrap applies (`flux/clusters/<env>/*.yaml`)
 * @param failingJobs names of Jobs that fail instead of completing
 * @param prerequisites Kustomizations outside the tree (the operators) that are Ready from the start
 */
export function simulateFlux(files: readonly TreeFile[], environment: string, failingJobs: ReadonlySet<string> = new Set(), prerequisites: readonly string[] = ['infra-controllers']): Simulation {
  const byPath = new Map(files.map((file) => [file.path, file.content]));
  const documents = (path: string) => YAML.parseAllDocuments(byPath.get(path) ?? '').map((document) => document.toJS()).filter(Boolean);
  const directory = (path: string): any[] => {
    const kustomization = byPath.get(`${path}/kustomization.yaml`);
    if (kustomization === undefined) throw new Error(`no kustomization.yaml in ${path}`);
    return (YAML.parse(kustomization).resources as string[]).flatMap((resource) => documents(`${path}/${resource}`));
  };

  const stages = new Map<string, Stage>();
  for (const file of files.filter((candidate) => candidate.path.startsWith(`clusters/${environment}/`))) {
    for (const manifest of documents(file.path)) stages.set(manifest.metadata.name, stageOf(manifest));
  }
  const objects = new Map<string, AppliedObject>();
  const healthyAt = new Map<string, number>();
  const readyAt = new Map<string, number>(prerequisites.map((name) => [name, -1]));
  const appliedAt = new Map<string, number>();
  const completedAt = new Map<string, number>();

  for (let round = 0; round < 1000; round += 1) {
    let changed = false;
    // Objects created last round become healthy now.
    for (const object of objects.values()) {
      const id = key(object.kind, object.name, object.namespace);
      if (healthyAt.has(id) || object.createdAt >= round) continue;
      if (object.kind === 'Job' && failingJobs.has(object.name)) continue;
      if (object.kind === 'Kustomization') continue;
      healthyAt.set(id, round);
      if (object.kind === 'Job') completedAt.set(`${object.namespace}/${object.name}`, round);
      changed = true;
    }
    for (const stage of stages.values()) {
      const id = key('Kustomization', stage.name, 'flux-system');
      if (readyAt.has(stage.name)) continue;
      if (!appliedAt.has(stage.name)) {
        if (!stage.dependsOn.every((dependency) => readyAt.has(dependency) && readyAt.get(dependency)! < round)) continue;
        appliedAt.set(stage.name, round);
        changed = true;
        for (const manifest of directory(stage.path)) {
          const object = { kind: manifest.kind, name: manifest.metadata.name, namespace: manifest.metadata.namespace, manifest, stage: stage.name, createdAt: round };
          objects.set(key(object.kind, object.name, object.namespace), object);
          if (manifest.kind === 'Kustomization') stages.set(manifest.metadata.name, stageOf(manifest));
        }
        continue;
      }
      const checked = stage.wait
        ? [...objects.values()].filter((object) => object.stage === stage.name).map((object) => key(object.kind, object.name, object.namespace))
        : stage.healthChecks.map((check) => key(check.kind, check.name, check.namespace));
      if (checked.every((object) => healthyAt.has(object))) {
        readyAt.set(stage.name, round);
        healthyAt.set(id, round);
        changed = true;
      }
    }
    if (!changed) return { objects: [...objects.values()], readyAt, completedAt };
  }
  throw new Error('the Flux model did not settle in 1000 rounds');
}
