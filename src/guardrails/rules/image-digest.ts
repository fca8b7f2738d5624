import { MIGRATION_ANNOTATIONS, MIGRATION_LABEL } from '../../names';
import { catalogField, Finding, Guardrail, RenderedObject, RuleContext } from '../rule';

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Whether the Job runs its database's first rendered migration: the one that reports the shared gate image. */
function firstOfItsDatabase(job: RenderedObject, context: RuleContext): boolean {
  const annotations = job.manifest.metadata.annotations ?? {};
  return !context.ofKind('Job').some((other) => other.manifest.metadata?.labels?.[MIGRATION_LABEL] === annotations[MIGRATION_ANNOTATIONS.after]
    && other.manifest.metadata.annotations?.[MIGRATION_ANNOTATIONS.cluster] === annotations[MIGRATION_ANNOTATIONS.cluster]);
}

export const imageDigest: Guardrail = {
  id: 'IMG001',
  title: 'Images are pinned by digest',
  explanation: 'A tag can be moved: CNPG rebuilds its PostgreSQL images under the same tag, and a registry compromise can replace any tag. A tag-only image means the instances of one cluster, its restores and the Job that migrates it may run different bytes, and a rollback may not run what the migration ran.',
  fix: 'append the digest to the tag (`<image>:<tag>@sha256:<digest>`, e.g. from `crane digest` or `docker buildx imagetools inspect`) in cluster.imageName, migrations.gateImage and a migration\'s image',
  configField: 'cluster.imageName',
  kinds: ['Cluster', 'Job'],
  check(object, context) {
    if (object.kind === 'Cluster') {
      const image = object.manifest.spec?.imageName;
      return image !== undefined && !DIGEST.test(image) ? [{ message: `cluster ${object.name} runs an image pinned by tag only`, value: image }] : [];
    }
    const migration = object.manifest.metadata?.labels?.[MIGRATION_LABEL];
    if (migration === undefined) return [];
    const pod = object.manifest.spec?.template?.spec ?? {};
    const cluster = context.find('Cluster', object.manifest.metadata.annotations?.[MIGRATION_ANNOTATIONS.cluster]);
    const findings: Finding[] = [];
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      // The PostgreSQL image is the cluster's, reported there; the gate's is shared by the database's Jobs, reported once.
      if (DIGEST.test(container.image) || container.image === cluster?.manifest.spec?.imageName) continue;
      if (container.name === 'gate' && firstOfItsDatabase(object, context)) {
        findings.push({ message: `the migration gate of cluster ${cluster?.name ?? '(unknown)'} runs an image pinned by tag only`, value: container.image, configField: 'migrations.gateImage' });
      } else if (container.name === 'migrate') {
        findings.push({ message: `migration ${migration} runs its own image pinned by tag only`, value: container.image, ...catalogField(migration, 'image') });
      }
    }
    return findings;
  },
};
