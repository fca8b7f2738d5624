import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../helpers/fixtures';

/**
 * The library as a user installs it: `npm pack` (which runs `prepare`, the build of lib/), the
 * tarball unpacked into a scratch app's node_modules, and the app's own dependencies: offline,
 * the packages `dependencies` names are linked from this checkout's node_modules, so a module
 * the library requires but does not declare fails to resolve.
 */
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'cnpg-gitops-package-'));
const app = join(scratch, 'app');
let packed: { filename: string; files: { path: string }[] };

beforeAll(() => {
  [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const installed = join(app, 'node_modules/cnpg-gitops');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(scratch, packed.filename), '--strip-components=1', '-C', installed]);
  // @types/node: the app's own, as any TypeScript app on Node has it.
  for (const dependency of [...Object.keys(manifest.dependencies), '@types/node']) {
    mkdirSync(dirname(join(app, 'node_modules', dependency)), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', dependency), join(app, 'node_modules', dependency));
  }
});

function node(script: string) {
  return spawnSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: join(app, 'dist') } });
}

test('the tarball holds the built library, its license and README, and no sources or tests', () => {
  const paths = packed.files.map((file) => file.path);
  expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/constructs/cnpg-cluster.d.ts']));
  expect(paths.filter((path) => !path.startsWith('lib/') && !['LICENSE', 'README.md', 'package.json'].includes(path))).toEqual([]);
  expect(paths.some((path) => /\.test\.|^lib\/src\/main\.|^lib\/src\/config\/(develop|staging|production)\./.test(path))).toBe(false);
});

test('require(\'cnpg-gitops\') resolves through exports, and a careless chart fails App.synth() with the guardrail ids', () => {
  const run = node(`
    const { App, Chart } = require('cdk8s');
    const { CnpgCluster, ScheduledBackup } = require('cnpg-gitops');
    console.log(require.resolve('cnpg-gitops'));
    const app = new App();
    const chart = new Chart(app, 'orders', { namespace: 'shop' });
    const cluster = new CnpgCluster(chart, 'Db', { name: 'orders-db', instances: 1, storageSize: '50Gi', retentionPolicy: '30d',
      objectStore: { provider: 'aws-s3', destinationPath: 's3://acme-orders/', credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/orders/s3' } } });
    new ScheduledBackup(chart, 'Nightly', { cluster, schedule: '0 3 * * *' });
    app.synth();
  `);
  expect(run.stdout.trim()).toBe(join(app, 'node_modules/cnpg-gitops/lib/src/index.js'));
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/\[HA001\] error orders\/Db\/Resource: cluster has 1 instance\(s\), production needs at least 3/);
  expect(run.stderr).toMatch(/\[BKP003\] error orders\/Nightly\/Resource: schedule has 5 fields/);
});

test('only the entry point is exported: the layout of lib/ is not part of the API', () => {
  const run = node(`
    for (const path of ['cnpg-gitops/lib/src/constructs', 'cnpg-gitops/lib/src/index.js']) {
      try { require(path); console.log(path, 'resolved'); } catch (error) { console.log(path, error.code); }
    }
    console.log(require('cnpg-gitops/package.json').license);
  `);
  expect(run.stdout.trim().split('\n')).toEqual([
    'cnpg-gitops/lib/src/constructs ERR_PACKAGE_PATH_NOT_EXPORTED',
    'cnpg-gitops/lib/src/index.js ERR_PACKAGE_PATH_NOT_EXPORTED',
    'Apache-2.0',
  ]);
});

test('a TypeScript app type-checks against the declarations, library types included, and they refuse a wrong prop', () => {
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', noEmit: true, types: ['node'], skipLibCheck: false },
    files: ['app.ts'],
  }));
  // Were the wrong prop accepted, tsc would report the directive as unused.
  writeFileSync(join(app, 'app.ts'), `import { App, Chart } from 'cdk8s';
import { CnpgCluster, Guardrails, ScheduledBackup, suppressGuardrail } from 'cnpg-gitops';
const chart = new Chart(new App(), 'orders');
const objectStore = { provider: 'aws-s3', destinationPath: 's3://acme-orders/', credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/orders/s3' } } as const;
const cluster = new CnpgCluster(chart, 'Db', { name: 'orders-db', instances: 1, storageSize: '50Gi', retentionPolicy: '7d', objectStore });
suppressGuardrail(new ScheduledBackup(chart, 'Nightly', { cluster, schedule: '0 0 3 * * SUN' }), { id: 'BKP004', reason: 'weekly is what develop needs' });
Guardrails.apply(chart, { environment: 'develop' });
// @ts-expect-error instances is a number
new CnpgCluster(chart, 'Wrong', { name: 'wrong-db', instances: 'three', storageSize: '50Gi', retentionPolicy: '7d', objectStore });
export const host: string = cluster.readWriteServiceHost;
`);
  const typeCheck = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { encoding: 'utf8' });
  expect(typeCheck.stdout + typeCheck.stderr).toBe('');
  expect(typeCheck.status).toBe(0);
});

test('LICENSE is the Apache License 2.0 that package.json names, word for word', () => {
  expect(manifest.license).toBe('Apache-2.0');
  const license = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
  expect(license).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004\n\s+http:\/\/www\.apache\.org\/licenses\/\n/);
  // SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt (also Debian's /usr/share/common-licenses/Apache-2.0).
  expect(createHash('sha256').update(license).digest('hex')).toBe('cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30');
});
