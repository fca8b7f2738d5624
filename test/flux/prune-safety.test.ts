import * as YAML from 'yaml';
import { renderEnvironments } from '../../src/synthesize';
import { estate, withBillingDb } from '../helpers/fixtures';

/**
 * Removing something from Git (a database, a renamed store, a switch-over to a restored cluster)
 * must never take away what a cluster that keeps running needs: Flux prunes every object that
 * leaves its Kustomization unless it carries `kustomize.toolkit.fluxcd.io/prune: disabled`
 * (kustomize-controller docs "Prune"), and External Secrets Operator deletes the Secret an
 * ExternalSecret owns when the ExternalSecret goes. This walks every rendered object.
 */
const NEEDED_BY_A_RUNNING_CLUSTER = ['Cluster', 'ObjectStore', 'ExternalSecret', 'ScheduledBackup', 'PodMonitor', 'PrometheusRule', 'Backup'];

function objects() {
  const environments = withBillingDb();
  const production = environments.find((env) => env.name === 'production')!;
  production.restores = [{ name: 'app-db-before-0005-drop-email', target: { beforeMigration: '0005-drop-email', startedAt: new Date(Date.now() - 7_200_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }, verify: [{ name: 'one', sql: 'SELECT 1', expect: '1' }] }];
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status !== 'rendered') throw new Error(JSON.stringify(outcome).slice(0, 2000));
  return outcome.files.filter((file) => !file.path.endsWith('kustomization.yaml'))
    .flatMap((file) => YAML.parseAllDocuments(file.content).map((document) => ({ path: file.path, manifest: document.toJS() })));
}

test('every object a running cluster needs stays when it leaves Git', () => {
  const all = objects();
  const needed = all.filter(({ manifest }) => NEEDED_BY_A_RUNNING_CLUSTER.includes(manifest.kind));
  expect(new Set(needed.map(({ manifest }) => manifest.kind))).toEqual(new Set(NEEDED_BY_A_RUNNING_CLUSTER));
  const unprotected = needed.filter(({ manifest }) => manifest.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune'] !== 'disabled');
  expect(unprotected.map(({ path, manifest }) => `${path}: ${manifest.kind} ${manifest.metadata.name}`)).toEqual([]);
});

test('what only a finished or superseded step needs is pruned as usual', () => {
  const pruned = objects().filter(({ manifest }) => manifest.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune'] === undefined);
  const kinds = new Set(pruned.map(({ manifest }) => manifest.kind));
  // Migration Jobs and their RBAC, the scripts and SQL ConfigMaps, verification Jobs, the Flux stages, the policies.
  expect([...kinds].sort()).toEqual(['ConfigMap', 'Job', 'Kustomization', 'Role', 'RoleBinding', 'ServiceAccount', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
});
