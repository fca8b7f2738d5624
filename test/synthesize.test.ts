import { execFileSync, spawnSync } from 'node:child_process';
import { ApiObject, JsonPatch } from 'cdk8s';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as YAML from 'yaml';
import { renderEnvironments, synthesize } from '../src/synthesize';
import { RenderOutcome } from '../src/outcome';
import { formatOutcome } from '../src/report';
import { faultyFileSystem, MUTATIONS } from './helpers/faulty-file-system';
import { changedEnvironments } from './helpers/output-change';
import { builtInSchemaErrors, isBuiltIn, loadCrdValidators, schemaErrors } from './helpers/crd-schemas';
import { databaseChart, estate, idsIn, violationsAfter, withEnvironment, withoutShippedWarnings } from './helpers/fixtures';
import { scratchCheckout } from './helpers/scratch-checkout';

const REPO = join(__dirname, '..');

let shipped: Extract<RenderOutcome, { status: 'rendered' }> | undefined;

/** The rendering of the shipped configs, rendered once for the tests that read it (none changes it). */
function shippedRendering() {
  if (shipped) return shipped;
  const outcome = renderEnvironments(estate());
  if (outcome.status !== 'rendered') throw new Error(`shipped configs do not render: ${JSON.stringify(outcome)}`);
  shipped = outcome;
  return outcome;
}

const rendered = () => shippedRendering().files;

function listFiles(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => readdirSync(dir).forEach((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files[relative(root, path)] = readFileSync(path, 'utf8');
  });
  walk(root);
  return files;
}

test('the Flux tree has the files the layout promises', () => {
  const paths = rendered().map((file) => file.path);
  for (const env of ['develop', 'staging', 'production']) {
    for (const name of ['cluster.yaml', 'kustomization.yaml', 'scheduled-backup.yaml', 'object-store.yaml', 'object-store-credentials.yaml']) {
      expect(paths).toContain(`infrastructure/data/cnpg-clusters/${env}/${name}`);
    }
    expect(paths).toContain(`clusters/${env}/cnpg-clusters.yaml`);
  }
  expect(paths).toContain('infrastructure/data/cnpg-clusters/production/postgres-app-secret.yaml');
  expect(paths.filter((path) => path.endsWith('postgres-app-secret.yaml'))).toEqual(['infrastructure/data/cnpg-clusters/production/postgres-app-secret.yaml']);
});

test('a SOPS key for the database directory turns on Flux decryption', () => {
  const outcome = renderEnvironments(estate(withEnvironment('production', (env) => { env.flux = { sopsSecretName: 'sops-age' }; })));
  if (outcome.status !== 'rendered') throw new Error(outcome.status);
  const sync = YAML.parse(outcome.files.find((f) => f.path === 'clusters/production/cnpg-clusters.yaml')!.content);
  expect(sync.spec.decryption).toEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
  expect(YAML.parse(rendered().find((f) => f.path === 'clusters/production/cnpg-clusters.yaml')!.content).spec.decryption).toBeUndefined();
});

test('the production app credentials are an ExternalSecret from a ClusterSecretStore', () => {
  const file = rendered().find((f) => f.path.endsWith('production/postgres-app-secret.yaml'))!;
  const secret = YAML.parse(file.content);
  expect(secret).toMatchObject({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'app-db-app', namespace: 'databases' },
    spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'platform-secrets' }, target: { name: 'app-db-app' } },
  });
});

test('staging bootstraps from production\'s archive and archives to its own folder', () => {
  const cluster = YAML.parse(rendered().find((f) => f.path.endsWith('staging/cluster.yaml'))!.content);
  expect(cluster.spec.bootstrap.recovery.source).toBe('origin');
  expect(cluster.spec.externalClusters[0].plugin.parameters.serverName).toBe('app-db');
  expect(cluster.spec.plugins[0].parameters.serverName).toBe('app-db-clone-20261116');
  const stores = YAML.parseAllDocuments(rendered().find((f) => f.path.endsWith('staging/object-store.yaml'))!.content).map((d) => d.toJS());
  expect(stores.find((s) => s.metadata.name === 'app-db-recovery-source').spec.configuration.destinationPath).toBe('s3://acme-cnpg-production/');
  expect(stores.find((s) => s.metadata.name === 'app-db-store').spec.configuration.destinationPath).toBe('s3://acme-cnpg-staging/');
});

const renderedObjects = () => rendered().filter((f) => !f.path.endsWith('kustomization.yaml')).flatMap((f) => YAML.parseAllDocuments(f.content).map((d) => d.toJS()));

test('every generated custom resource passes the upstream CRD schema (strict: no unknown fields) and its CEL rules', () => {
  const validators = loadCrdValidators();
  const objects = renderedObjects().filter((object) => !isBuiltIn(object));
  // The cluster's PodMonitor and PrometheusRule, and the namespace's migration Job alerts.
  expect(objects.filter((object) => object.apiVersion === 'monitoring.coreos.com/v1').map((object) => object.kind)).toEqual(Array(3).fill(['PodMonitor', 'PrometheusRule', 'PrometheusRule']).flat());
  // Per environment: 4 sync stages, 5 migration stages, Cluster, ObjectStore, ScheduledBackup, PodMonitor, 2 PrometheusRules,
  // ExternalSecrets for the store and the migrator (develop 17); production also the app's (18); staging also the
  // ObjectStore and ExternalSecret it recovers production's archive through, and its clone's base Backup (20).
  expect(objects.length).toBe(55);
  expect(objects.flatMap((object) => schemaErrors(validators, object))).toEqual([]);
});

test('every generated built-in object passes the Kubernetes OpenAPI schema', () => {
  const objects = renderedObjects().filter(isBuiltIn);
  // Per applied migration: its SQL ConfigMap, Job, Role, RoleBinding, ServiceAccount; per environment: the scripts ConfigMap.
  const migrations = estate().environments.map((env: any) => env.migrations.applied.length);
  const expected = migrations.flatMap((count) => ['ConfigMap', ...['ConfigMap', 'Job', 'Role', 'RoleBinding', 'ServiceAccount'].flatMap((kind) => Array(count).fill(kind))]);
  const policies = objects.filter((object) => object.kind === 'ValidatingAdmissionPolicy');
  expect(objects.filter((object) => object.kind === 'ValidatingAdmissionPolicyBinding')).toHaveLength(policies.length);
  // Eight rules have a CEL form; DEL001 is enforced in production only.
  expect(policies.length).toBe(8 * 3 - 2);
  expect(objects.filter((object) => !object.kind.startsWith('ValidatingAdmissionPolicy')).map((object) => object.kind).sort()).toEqual(expected.sort());
  expect(builtInSchemaErrors(objects)).toEqual([]);
});

test('the built-in schema check catches a wrong type', () => {
  const job = renderedObjects().find((object) => object.kind === 'Job');
  job.spec.backoffLimit = 'never';
  expect(builtInSchemaErrors([job])).toEqual([expect.stringMatching(/^Job\/migrate-0001-create-users-[0-9a-f]{8}: .*backoffLimit must be integer/)]);
});

test('the strict schema check catches a misspelt field', () => {
  const validators = loadCrdValidators();
  const cluster = YAML.parse(rendered().find((f) => f.path.endsWith('develop/cluster.yaml'))!.content);
  cluster.spec.plugins[0].isWalArchiver = true;
  expect(schemaErrors(validators, cluster)).toEqual([expect.stringMatching(/Cluster\/app-db\/spec\/plugins\/0 must NOT have additional properties .*isWalArchiver/)]);
});

test('synthesis twice gives identical bytes', async () => {
  const [first, second] = [mkdtempSync(join(tmpdir(), 'synth-')), mkdtempSync(join(tmpdir(), 'synth-'))];
  await synthesize({ ...estate(), fluxRoot: first });
  await synthesize({ ...estate(), fluxRoot: second });
  expect(listFiles(second)).toEqual(listFiles(first));
  expect(Object.keys(listFiles(first)).sort()).toEqual(rendered().map((file) => file.path).sort());
});

test('the committed Flux tree is what synthesis produces', () => {
  const committed = listFiles(join(REPO, 'flux'));
  const expected = Object.fromEntries(rendered().map((file) => [file.path, file.content]));
  expect(committed).toEqual(expected);
});

test.each([
  ['a guardrail violation', withEnvironment('production', (env) => { env.cluster.instances = 1; }), 'guardrails-failed'],
  ['an invalid config', withEnvironment('production', (env: any) => { env.cluster.instances = 'x'; }), 'invalid-config'],
])('%s leaves the tree untouched', async (_case, environments, status) => {
  const root = mkdtempSync(join(tmpdir(), 'synth-'));
  await synthesize({ ...estate(), fluxRoot: root });
  const before = listFiles(root);
  expect((await synthesize({ ...estate(environments), fluxRoot: root })).status).toBe(status);
  expect(listFiles(root)).toEqual(before);
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });

describe('kubectl kustomize', () => {
  const root = mkdtempSync(join(tmpdir(), 'kustomize-'));
  beforeAll(async () => { await synthesize({ ...estate(), fluxRoot: root }); });

  test.each(['develop', 'staging', 'production'])('builds the %s directory with every listed object', (env) => {
    if (kubectl.status !== 0) throw new Error('kubectl is not installed: .ci/run installs it; install kubectl to run this test');
    const output = execFileSync('kubectl', ['kustomize', join(root, 'infrastructure/data/cnpg-clusters', env)], { encoding: 'utf8' });
    const kinds = YAML.parseAllDocuments(output).map((doc) => doc.toJS().kind).sort();
    // The ConfigMap is the migration Jobs' scripts, applied with the cluster; a clone also has its first base Backup.
    const expected = ['Cluster', 'ConfigMap', 'ExternalSecret', 'ObjectStore', 'PodMonitor', 'PrometheusRule', 'ScheduledBackup'];
    if (env === 'staging') expected.unshift('Backup');
    expect([...new Set(kinds)]).toEqual(expected);
  });
});

test('cdk8s synth runs the app end to end; dist/ is rewritten in place, never deleted first', () => {
  // A checkout without its Flux tree: synthesis writes every file.
  const work = scratchCheckout('cdk8s-synth');
  rmSync(join(work, 'flux'), { recursive: true });
  const synth = () => spawnSync(join(REPO, 'node_modules/.bin/cdk8s'), ['synth'], { cwd: work, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  const first = synth();
  expect(first.stderr).toMatch(new RegExp(`flux/: ${rendered().length} written, 0 removed, 0 unchanged`));
  expect(first.status).toBe(0);
  expect(listFiles(join(work, 'flux'))).toEqual(listFiles(join(REPO, 'flux')));
  const charts = readdirSync(join(work, 'dist')).sort();
  expect(charts).toContain('production.k8s.yaml');
  // cdk8s lists the manifests of its own output directory, which it deletes before each run.
  expect(first.stdout).toContain('.flux-synthesis/cdk8s-out/production.k8s.yaml');

  // cdk8s used to delete dist/ before the app ran: a file kept there survives now.
  writeFileSync(join(work, 'dist/README.md'), 'kept\n');
  const second = synth();
  expect(second.status).toBe(0);
  expect(second.stderr).toMatch(new RegExp(`dist/: 0 written, 0 removed, ${charts.length} unchanged\\.`));
  expect(readFileSync(join(work, 'dist/README.md'), 'utf8')).toBe('kept\n');
  expect(readdirSync(join(work, '.flux-synthesis')).sort()).toEqual(['cdk8s-out']);
}, 60_000);

test('the committed runbooks are what synthesis produces: one per migration and environment, and a timeline', () => {
  const outcome = shippedRendering();
  const committed = listFiles(join(REPO, 'docs/runbooks'));
  expect(committed).toEqual(Object.fromEntries(outcome.runbooks.map((file) => [file.path, file.content])));
  const expected = estate().environments.flatMap((env: any) => [`${env.name}/timeline.md`, ...env.migrations.applied.map((id: string) => `${env.name}/${id}.md`), ...(env.cloneFrom ? [`${env.name}/reclone.md`] : [])]);
  expect(Object.keys(committed).sort()).toEqual(expected.sort());
});

test('a runbook names the exact objects, commands and config entry of its migration', () => {
  const outcome = shippedRendering();
  const runbook = outcome.runbooks.find((file) => file.path === 'production/0005-drop-email.md')!.content;
  const job = outcome.files.find((file) => file.path.endsWith('production/0005-drop-email/job.yaml'))!.content;
  const jobName = /name: (migrate-0005-drop-email-[0-9a-f]{8})/.exec(job)![1];
  expect(runbook).toContain("kubectl -n databases get backups.postgresql.cnpg.io -l cnpg-gitops.io/migration=0005-drop-email,cnpg-gitops.io/cluster=app-db -o");
  expect(runbook).toContain(`-l job-name=${jobName}`);
  expect(runbook).toContain("target: { restorePoint: '0005-drop-email', backupId: '<backup_id from step 1>' }");
  expect(runbook).toContain("recovery_target_time = '2026-01-01 00:00:05.123456+00:00'");
  expect(runbook).toContain('kubectl -n databases logs job/verify-app-db-before-0005-drop-email');
  expect(runbook).toContain('app-db-before-0005-drop-email-rw.databases.svc');
});

describe('with a restore in production', () => {
  const withRestore = () => estate(withEnvironment('production', (env) => {
    env.restores = [{
      name: 'app-db-before-0005-drop-email',
      target: { restorePoint: '0005-drop-email', backupId: '20261123T100000' },
      verify: [{ name: 'email is back', sql: "SELECT count(*) FROM information_schema.columns WHERE column_name = 'email'", expect: '1' }],
    }];
  }));
  const files = () => {
    const outcome = renderEnvironments(withRestore());
    if (outcome.status !== 'rendered') throw new Error(JSON.stringify(outcome));
    return outcome.files;
  };

  test('every restore object passes its schema', () => {
    const objects = files().filter((f) => f.path.includes('cnpg-restores/')).filter((f) => !f.path.endsWith('kustomization.yaml'))
      .flatMap((f) => YAML.parseAllDocuments(f.content).map((d) => d.toJS()));
    expect(objects.map((o) => o.kind).sort()).toEqual(['Cluster', 'ConfigMap', 'Job', 'ScheduledBackup']);
    const validators = loadCrdValidators();
    expect(objects.filter((o) => !isBuiltIn(o)).flatMap((o) => schemaErrors(validators, o))).toEqual([]);
    expect(builtInSchemaErrors(objects.filter(isBuiltIn))).toEqual([]);
  });

  test('Flux restores first, then verifies; kubectl kustomize builds both directories', async () => {
    const root = mkdtempSync(join(tmpdir(), 'restore-'));
    await synthesize({ ...withRestore(), fluxRoot: root });
    const sync = YAML.parseAllDocuments(readFileSync(join(root, 'clusters/production/cnpg-restores.yaml'), 'utf8')).map((d) => d.toJS());
    expect(sync.map((k) => [k.metadata.name, k.spec.path, k.spec.dependsOn])).toEqual([
      ['cnpg-restores', './flux/infrastructure/data/cnpg-restores/production/clusters', [{ name: 'cnpg-clusters' }]],
      ['cnpg-restore-verification', './flux/infrastructure/data/cnpg-restores/production/verify', [{ name: 'cnpg-restores' }]],
    ]);
    expect(sync[0].spec.healthCheckExprs[0].current).toMatch(/Ready/);
    if (kubectl.status !== 0) throw new Error('kubectl is not installed');
    for (const folder of ['clusters', 'verify']) {
      const output = execFileSync('kubectl', ['kustomize', join(root, 'infrastructure/data/cnpg-restores/production', folder)], { encoding: 'utf8' });
      expect(YAML.parseAllDocuments(output).length).toBe(2);
    }
  });
});

test('an interrupted synthesis (killed while it renders) leaves the tree exactly as it was', async () => {
  const root = mkdtempSync(join(tmpdir(), 'interrupted-'));
  await synthesize({ ...estate(), fluxRoot: join(root, 'flux') });
  const before = listFiles(join(root, 'flux'));
  const child = require('node:child_process').spawn(process.execPath, [join(REPO, 'src/tools/run-app.mjs'), join(REPO, 'test/helpers/synthesize-large.ts'), join(root, 'flux'), mkdtempSync(join(tmpdir(), 'interrupted-scratch-'))], { cwd: REPO });
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => { if (String(chunk).includes('rendering')) resolve(); }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  expect(listFiles(join(root, 'flux'))).toEqual(before);
});

describe('credentials from a SOPS-encrypted Secret the repository provides', () => {
  const environments = () => withEnvironment('production', (env) => {
    env.objectStore.credentials = { existingSecret: 'r2-credentials' };
    env.appCredentials = { existingSecret: 'app-db-app' };
    env.flux = { sopsSecretName: 'sops-age', additionalResources: ['secrets.sops.yaml'] };
  });
  const encrypted = (value: string) => `ENC[AES256_GCM,data:${value},iv:aaaa,tag:bbbb,type:str]`;
  const sopsFile = [
    'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: r2-credentials', '  namespace: databases', 'type: Opaque', 'stringData:',
    `  ACCESS_KEY_ID: ${encrypted('q1w2e3')}`, `  ACCESS_SECRET_KEY: ${encrypted('r4t5y6')}`,
    'sops:', '  age:', '    - recipient: age1examplexamplexamplexamplexamplexamplexamplexamplexample', '  lastmodified: "2026-11-20T10:00:00Z"', `  mac: ${encrypted('mac')}`, '  version: 3.9.0',
    '---',
    'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: app-db-app', '  namespace: databases', 'type: kubernetes.io/basic-auth', 'stringData:',
    `  username: ${encrypted('u1')}`, `  password: ${encrypted('p1')}`,
    'sops:', '  age:', '    - recipient: age1examplexamplexamplexamplexamplexamplexamplexamplexample', '  lastmodified: "2026-11-20T10:00:00Z"', `  mac: ${encrypted('mac')}`, '  version: 3.9.0', '',
  ].join('\n');
  /** A checkout whose flux/ holds the hand-written file: synthesis reads flux.additionalResources there. */
  function checkout(): { root: string; directory: string } {
    const root = mkdtempSync(join(tmpdir(), 'sops-'));
    cpSync(join(REPO, 'migrations'), join(root, 'migrations'), { recursive: true });
    const directory = join(root, 'flux/infrastructure/data/cnpg-clusters/production');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'secrets.sops.yaml'), sopsFile);
    return { root, directory };
  }

  test('the Secret is referenced, listed in kustomization.yaml and never written; Flux decrypts it', async () => {
    const { root, directory } = checkout();
    const outcome = await synthesize({ ...estate(environments()), repoRoot: root, fluxRoot: join(root, 'flux') });
    expect(outcome.status).toBe('written');
    expect(readFileSync(join(directory, 'secrets.sops.yaml'), 'utf8')).toBe(sopsFile);
    expect(YAML.parse(readFileSync(join(directory, 'kustomization.yaml'), 'utf8')).resources).toContain('secrets.sops.yaml');
    const store = YAML.parseAllDocuments(readFileSync(join(directory, 'object-store.yaml'), 'utf8')).map((d) => d.toJS())[0];
    expect(store.spec.configuration.s3Credentials.accessKeyId).toEqual({ name: 'r2-credentials', key: 'ACCESS_KEY_ID' });
    expect(existsSync(join(directory, 'object-store-credentials.yaml'))).toBe(false);
    expect(existsSync(join(directory, 'postgres-app-secret.yaml'))).toBe(false);
    const cluster = YAML.parse(readFileSync(join(directory, 'cluster.yaml'), 'utf8'));
    expect(cluster.spec.bootstrap.initdb.secret).toEqual({ name: 'app-db-app' });
    expect(YAML.parse(readFileSync(join(root, 'flux/clusters/production/cnpg-clusters.yaml'), 'utf8')).spec.decryption).toEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
    if (kubectl.status !== 0) throw new Error('kubectl is not installed');
    const built = YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', directory], { encoding: 'utf8' })).map((d) => d.toJS());
    expect(built.filter((object) => object.kind === 'Secret').map((secret) => secret.metadata.name).sort()).toEqual(['app-db-app', 'r2-credentials']);
  });

  test('SEC001 and SEC002 accept the declared Secrets, and only those', () => {
    const outcome = renderEnvironments({ ...estate(environments()), repoRoot: checkout().root });
    if (outcome.status === 'invalid-config') throw new Error(JSON.stringify(outcome.configErrors));
    expect(idsIn(withoutShippedWarnings(outcome.report.violations))).toEqual([]);
    const violations = violationsAfter((charts) => {
      const store = databaseChart(charts, 'production').node.findAll().find((c) => c instanceof ApiObject && c.kind === 'ObjectStore') as ApiObject;
      store.addJsonPatch(JsonPatch.replace('/spec/configuration/s3Credentials/accessKeyId/name', 'someone-elses'));
    }, environments());
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', value: 'someone-elses' }));
  });
});

describe('what synthesis writes and says, across flux/, docs/runbooks and dist/', () => {
  const roots = (checkout: string) => ({ fluxRoot: join(checkout, 'flux'), runbookRoot: join(checkout, 'docs/runbooks'), outdir: join(checkout, 'dist') });

  test('a write stopped after its commit point is completed first by the next synthesis, which says so; "unchanged" only when true', async () => {
    const checkout = mkdtempSync(join(tmpdir(), 'recovered-'));
    await synthesize({ ...estate(), ...roots(checkout) });
    const { fileSystem, log } = faultyFileSystem();
    const probe = mkdtempSync(join(tmpdir(), 'recovered-probe-'));
    await synthesize({ ...estate(), ...roots(probe) });
    await synthesize({ ...estate(changedEnvironments()), ...roots(probe), fileSystem });
    // Stopped a few renames after the journal (the first rename) is in place.
    const journaled = log.slice(0, log.indexOf('rename') + 1).filter((name) => MUTATIONS.has(name)).length;
    const stopped = await synthesize({ ...estate(changedEnvironments()), ...roots(checkout), fileSystem: faultyFileSystem({ killAfter: journaled + 6 }).fileSystem });
    expect(stopped).toMatchObject({ status: 'not-written', treeState: 'commit-pending' });
    expect(formatOutcome(stopped)).toMatch(/may be partly written; fix the cause .* and synthesize again, which finishes putting them back before anything else \(journal: .*journal.json\)$/);

    const failing = withEnvironment('production', (env) => { env.cluster.instances = 1; });
    const next = await synthesize({ ...estate(failing), ...roots(checkout) });
    const message = formatOutcome(next);
    expect(message).toMatch(new RegExp(`^Recovered: the synthesis of pid ${process.pid} \\(started [0-9T:.-]+Z\\) was interrupted while writing; completed its write first: .*flux/ \\d+ written, \\d+ removed; .*docs/runbooks/ \\d+ written, \\d+ removed; .*dist/ \\d+ written, \\d+ removed\\.\\n`));
    expect(message).toMatch(/Guardrails failed: 1 error\(s\), \d+ warning\(s\)\. Nothing else was written: .*flux\/, .*docs\/runbooks\/ and .*dist\/ are as the recovery above left them\.$/);
    expect(listFiles(checkout)).toEqual(listFiles(probe));

    expect(formatOutcome(await synthesize({ ...estate(failing), ...roots(checkout) }))).toMatch(/Nothing was written: .*flux\/, .*docs\/runbooks\/ and .*dist\/ are unchanged\.$/);
  });

  test('a hand-written file in the way of a runbook stops the whole write: flux/ and dist/ are not written either', async () => {
    const checkout = mkdtempSync(join(tmpdir(), 'blocked-'));
    await synthesize({ ...estate(), ...roots(checkout) });
    writeFileSync(join(checkout, 'docs/runbooks/staging/0001-create-users.md'), 'Notes of a person.\n');
    const before = listFiles(checkout);
    const outcome = await synthesize({ ...estate(changedEnvironments()), ...roots(checkout) });
    expect(formatOutcome(outcome)).toMatch(/^refusing to overwrite hand-written files .*: .*docs\/runbooks\/staging\/0001-create-users.md; move them out of the way or delete them, then synthesize again\nNothing was written: .*flux\/, .*docs\/runbooks\/ and .*dist\/ are unchanged\.$/);
    expect(listFiles(checkout)).toEqual(before);
  });

  test('a second synthesis in the same work directory is refused while the first holds the lock', async () => {
    const checkout = mkdtempSync(join(tmpdir(), 'locked-'));
    const [first, second] = await Promise.all([synthesize({ ...estate(), ...roots(checkout) }), synthesize({ ...estate(), ...roots(checkout) })]);
    expect(first.status).toBe('written');
    expect(formatOutcome(second)).toMatch(new RegExp(`^another synthesis is running, pid ${process.pid} `));
  });
});
