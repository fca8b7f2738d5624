import * as YAML from 'yaml';
import { renderEnvironments } from '../../src/synthesize';
import { admission, PLURALS, Policy } from '../helpers/admission';
import { estate } from '../helpers/fixtures';

/** The admission policies of every environment, evaluated as the API server would (test/helpers/admission.ts). */
let cached: ReturnType<typeof render> | undefined;
const rendered = () => (cached ??= render());

function render() {
  const outcome = renderEnvironments(estate());
  if (outcome.status !== 'rendered') throw new Error(outcome.status);
  const documents = (filter: (path: string) => boolean) => outcome.files.filter((file) => filter(file.path) && !file.path.endsWith('kustomization.yaml'))
    .flatMap((file) => YAML.parseAllDocuments(file.content).map((doc) => doc.toJS()));
  return { documents };
}

function policiesOf(environment: string): { policies: Policy[]; bindings: any[] } {
  const objects = rendered().documents((path) => path.includes(`cnpg-policies/${environment}/`));
  return {
    policies: objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((o) => ({ name: o.metadata.name, spec: o.spec })),
    bindings: objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding'),
  };
}

describe.each(['develop', 'staging', 'production'])('%s', (environment) => {
  test('every object synthesis produces for the environment is admitted', () => {
    const { policies } = policiesOf(environment);
    const objects = rendered().documents((path) => path.includes(`/${environment}/`) && !path.includes('cnpg-policies'));
    const subjects = objects.filter((object) => PLURALS[object.kind]);
    // The Cluster, its ObjectStore and ScheduledBackup, five migration Jobs; in staging also the clone's base Backup and the ObjectStore it recovers through.
    expect(subjects.length).toBe(environment === 'staging' ? 10 : 8);
    for (const object of subjects) expect({ object: `${object.kind}/${object.metadata.name}`, denials: admission(policies, 'CREATE', object) }).toEqual({ object: `${object.kind}/${object.metadata.name}`, denials: [] });
  });

  test('every policy is bound to the environment namespace only, errors denying', () => {
    const { policies, bindings } = policiesOf(environment);
    expect(bindings.map((binding) => binding.spec.policyName).sort()).toEqual(policies.map((policy) => policy.name).sort());
    for (const binding of bindings) expect(binding.spec.matchResources.namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'databases' });
    expect(bindings.find((binding) => binding.spec.policyName.endsWith('wal001')).spec.validationActions).toEqual(['Deny']);
  });
});

describe('hand-written objects that break a guardrail are denied', () => {
  const production = () => policiesOf('production').policies;
  const objects = () => rendered().documents((path) => path.includes('/production/'));
  // JSON copies, not structuredClone: its objects come from another realm, which the CEL engine rejects.
  // Production renders no Backup (migration Jobs take theirs at run time): the staging clone's base Backup stands in.
  const find = (kind: string) => JSON.parse(JSON.stringify(objects().find((o) => o.kind === kind) ?? rendered().documents((path) => path.includes('/staging/')).find((o) => o.kind === kind)));

  test.each([
    ['a Cluster without the WAL archiver', 'Cluster', (c: any) => { delete c.spec.plugins; }, /WAL001: a CNPG Cluster needs exactly one enabled WAL-archiver plugin/],
    ['a Cluster archiving with another plugin', 'Cluster', (c: any) => { c.spec.plugins[0].name = 'other.example.com'; }, /WAL001: the WAL archiver must be the Barman Cloud plugin/],
    ['a Cluster with the native barmanObjectStore', 'Cluster', (c: any) => { c.spec.backup = { barmanObjectStore: { destinationPath: 's3://x/' } }; }, /WAL002: spec.backup.barmanObjectStore is removed/],
    ['a Cluster recovering with the native barmanObjectStore', 'Cluster', (c: any) => { c.spec.externalClusters = [{ name: 'x', barmanObjectStore: {} }]; }, /WAL002: externalClusters/],
    ['a production Cluster with 2 instances', 'Cluster', (c: any) => { c.spec.instances = 2; }, /HA001: this environment needs at least 3 instances/],
    ['a ScheduledBackup with the default method', 'ScheduledBackup', (b: any) => { delete b.spec.method; }, /BKP005: backups must set method: plugin/],
    ['a Backup without pluginConfiguration', 'Backup', (b: any) => { delete b.spec.pluginConfiguration; }, /BKP005: backups must set pluginConfiguration.name/],
    ['a five-field schedule', 'ScheduledBackup', (b: any) => { b.spec.schedule = '0 3 * * *'; }, /BKP003: CNPG schedules have six fields/],
    ['a migration Job without the gate', 'Job', (j: any) => { j.spec.template.spec.initContainers = []; }, /MIG001: a migration Job must take and wait for its backup in a gate/],
    ['a migration Job without a rollback plan', 'Job', (j: any) => { j.metadata.annotations['cnpg-gitops.io/rollback-steps'] = ''; }, /MIG002: a migration Job must carry its rollback plan/],
    ['a migration Job with a TTL', 'Job', (j: any) => { j.spec.ttlSecondsAfterFinished = 60; }, /MIG007: a migration Job must not set ttlSecondsAfterFinished/],
    ['a migration Job that retries', 'Job', (j: any) => { j.spec.backoffLimit = 6; }, /MIG007: a migration Job must not retry/],
    ['a migration Job that restarts its containers in place', 'Job', (j: any) => { j.spec.template.spec.restartPolicy = 'OnFailure'; }, /MIG007: a migration Job must not restart its containers/],
    ['a migration Job Flux would patch', 'Job', (j: any) => { delete j.metadata.annotations['kustomize.toolkit.fluxcd.io/ssa']; }, /MIG007: a migration Job must be applied only while absent/],
    ['a migration Job Flux would force-recreate', 'Job', (j: any) => { j.metadata.annotations['kustomize.toolkit.fluxcd.io/force'] = 'Enabled'; }, /MIG007: a migration Job must be applied only while absent .* and never forced/],
    ['a migration Job that names no predecessor', 'Job', (j: any) => { delete j.metadata.annotations['cnpg-gitops.io/after']; }, /MIG007: a migration Job must name the migration before it/],
  ])('%s', (_case, kind, change, message) => {
    const object = find(kind);
    change(object);
    expect(admission(production(), 'CREATE', object)).toEqual([expect.stringMatching(message)]);
  });

  test('a Job without the migration label is not a migration Job', () => {
    const job = find('Job');
    delete job.metadata.labels['cnpg-gitops.io/migration'];
    job.spec.ttlSecondsAfterFinished = 60;
    expect(admission(production(), 'CREATE', job)).toEqual([]);
  });

  test('deleting a production Cluster or ObjectStore needs a reasoned annotation on the live object', () => {
    for (const kind of ['Cluster', 'ObjectStore']) {
      const live = find(kind);
      expect(admission(production(), 'DELETE', null, live)).toEqual([expect.stringMatching(/DEL001: annotate the object with cnpg-gitops.io\/deletion-reason/)]);
      live.metadata.annotations = { ...live.metadata.annotations, 'cnpg-gitops.io/deletion-reason': 'short' };
      expect(admission(production(), 'DELETE', null, live)).toHaveLength(1);
      live.metadata.annotations['cnpg-gitops.io/deletion-reason'] = 'replaced by app-db-before-0005 after the rollback on 2026-11-25';
      expect(admission(production(), 'DELETE', null, live)).toEqual([]);
    }
  });

  test('develop has no deletion protection and needs one instance', () => {
    const develop = policiesOf('develop').policies;
    const cluster = rendered().documents((path) => path.includes('cnpg-clusters/develop/')).find((o) => o.kind === 'Cluster');
    expect(admission(develop, 'DELETE', null, cluster)).toEqual([]);
    expect(develop.find((policy) => policy.name.endsWith('ha001'))!.spec.validations[0].expression).toContain('>= 1');
  });
});
