import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { renderEnvironments, synthesize } from '../../src/synthesize';
import { estate, REPO_ROOT } from '../helpers/fixtures';

const secretlint = join(REPO_ROOT, 'node_modules/.bin/secretlint');

/** Scans every file below `root` (from inside it: secretlint 11 refuses paths outside its working directory). */
function scan(root: string) {
  return spawnSync(secretlint, ['--secretlintrc', join(REPO_ROOT, '.secretlintrc.json'), '**/*'], { cwd: root, encoding: 'utf8' });
}

describe('a secret scanner (secretlint) over the generated tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'scan-'));
  beforeAll(async () => { await synthesize({ ...estate(), fluxRoot: join(root, 'flux'), runbookRoot: join(root, 'runbooks') }); });

  test('finds nothing in what synthesis writes', () => {
    const result = scan(root);
    expect(result.stdout + result.stderr).not.toMatch(/error/);
    expect(result.status).toBe(0);
  });

  test('finds a credential planted in a copy of the tree (the scanner works)', () => {
    const planted = mkdtempSync(join(tmpdir(), 'scan-planted-'));
    cpSync(root, planted, { recursive: true });
    mkdirSync(join(planted, 'flux/leak'), { recursive: true });
    writeFileSync(join(planted, 'flux/leak/secret.yaml'), YAML.stringify({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak' },
      stringData: { uri: 'postgresql://app:S3cr3tPassw0rd@app-db-rw:5432/app' },
    }));
    const result = scan(planted);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/PostgreSQL connection string/);
  });
});

/** Every pod template of the output, with where it comes from. */
function podTemplates() {
  const outcome = renderEnvironments(estate());
  if (outcome.status !== 'rendered') throw new Error(outcome.status);
  const objects = outcome.files.filter((file) => !file.path.endsWith('kustomization.yaml')).flatMap((file) => YAML.parseAllDocuments(file.content).map((doc) => doc.toJS()));
  return { objects, pods: objects.filter((object) => object.kind === 'Job').map((job) => ({ name: `${job.metadata.namespace}/${job.metadata.name}`, spec: job.spec.template.spec })) };
}

test('every generated pod meets the Pod Security "restricted" profile', () => {
  const { pods } = podTemplates();
  expect(pods.length).toBeGreaterThan(0);
  for (const pod of pods) {
    expect({ pod: pod.name, runAsNonRoot: pod.spec.securityContext?.runAsNonRoot }).toEqual({ pod: pod.name, runAsNonRoot: true });
    expect(pod.spec.hostNetwork ?? false).toBe(false);
    expect((pod.spec.volumes ?? []).filter((volume: any) => volume.hostPath)).toEqual([]);
    for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      const context = container.securityContext ?? {};
      expect({ pod: pod.name, container: container.name, context }).toEqual({
        pod: pod.name,
        container: container.name,
        context: expect.objectContaining({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        }),
      });
      expect(container.securityContext.runAsUser).toBeGreaterThan(0);
    }
  }
});

test('every Role patches only its own Job, gets only its own Cluster, creates and reads Backups; every ServiceAccount is used', () => {
  const { objects } = podTemplates();
  const roles = objects.filter((object) => object.kind === 'Role' || object.kind === 'ClusterRole');
  expect(roles.length).toBeGreaterThan(0);
  expect(roles.filter((role) => role.kind === 'ClusterRole')).toEqual([]);
  for (const role of roles) {
    const job = objects.find((object) => object.kind === 'Job' && object.metadata.name === role.metadata.name && object.metadata.namespace === role.metadata.namespace);
    expect(job.spec.template.spec.serviceAccountName).toBe(role.metadata.name);
    // The gate's Backup is named after its pod: unknown when the Role is written, and RBAC cannot limit create by name.
    const own: Record<string, { group: string; names?: string[]; verbs: string[] }> = {
      jobs: { group: 'batch', names: [job.metadata.name], verbs: ['get', 'patch'] },
      clusters: { group: 'postgresql.cnpg.io', names: [job.metadata.annotations['cnpg-gitops.io/cluster']], verbs: ['get'] },
      backups: { group: 'postgresql.cnpg.io', verbs: ['create', 'get'] },
    };
    expect(role.rules.map((rule: any) => rule.resources).flat().sort()).toEqual(['backups', 'clusters', 'jobs']);
    for (const rule of role.rules) {
      const expected = own[rule.resources[0]];
      expect(rule.apiGroups).toEqual([expected.group]);
      expect(rule.resourceNames).toEqual(expected.names);
      expect(rule.verbs).toEqual(expected.verbs);
    }
  }
  const serviceAccounts = objects.filter((object) => object.kind === 'ServiceAccount').map((sa) => `${sa.metadata.namespace}/${sa.metadata.name}`);
  const used = objects.filter((object) => object.kind === 'Job').map((job) => `${job.metadata.namespace}/${job.spec.template.spec.serviceAccountName}`);
  expect(serviceAccounts.sort()).toEqual(used.filter((name) => !name.endsWith('/undefined')).sort());
});
