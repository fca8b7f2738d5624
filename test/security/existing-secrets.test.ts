import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEnvironments } from '../../src/config/validate';
import { REPO_ROOT, shippedMigrations, withEnvironment } from '../helpers/fixtures';

/**
 * An `existingSecret` names a Secret the repository provides: the config layer (which no
 * suppression reaches) reads the files of `flux.additionalResources` in the checkout's flux/ and
 * refuses a reference nothing there provides, and a listed file that is missing, a link or no YAML.
 */
const DIRECTORY = 'flux/infrastructure/data/cnpg-clusters/production';
const SECRET = (name: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n  password: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n  version: 3.9.0\n`;
const EXTERNAL_SECRET = (target: string) => `apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: hand-written\nspec:\n  secretStoreRef: { kind: ClusterSecretStore, name: platform-secrets }\n  target:\n    name: ${target}\n  data: []\n`;

/** A checkout with the migrations and these files in production's database directory. */
function checkout(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'existing-secret-'));
  cpSync(join(REPO_ROOT, 'migrations'), join(root, 'migrations'), { recursive: true });
  mkdirSync(join(root, DIRECTORY), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, DIRECTORY, name), content);
  return root;
}

function errors(change: (env: any) => void, files: Record<string, string>, root = checkout(files)) {
  return validateEnvironments(withEnvironment('production', change), shippedMigrations(), root);
}

const usesR2Secret = (additionalResources: string[]) => (env: any) => {
  env.objectStore.credentials = { existingSecret: 'r2-credentials' };
  env.flux = { additionalResources };
};

test.each([
  ['a SOPS-encrypted Secret', { 'r2.sops.yaml': SECRET('r2-credentials') }],
  ['an ExternalSecret whose target it is', { 'r2.yaml': EXTERNAL_SECRET('r2-credentials') }],
  ['the second document of a file', { 'all.sops.yaml': `${SECRET('other')}---\n${SECRET('r2-credentials')}` }],
])('Compliance: the Secret is provided by %s in a listed file', (_case, files) => {
  expect(errors(usesR2Secret(Object.keys(files)), files)).toEqual([]);
});

test('Noncompliance: nothing is listed', () => {
  expect(errors(usesR2Secret([]), {})).toEqual([expect.objectContaining({
    file: 'src/config/production.ts',
    field: 'objectStore.credentials.existingSecret',
    message: expect.stringMatching(/^names Secret "r2-credentials", which nothing in the tree provides: list the file that holds it .* in flux.additionalResources, or take the credentials from the secret store/),
  })]);
});

test('Noncompliance: the listed file provides another Secret (and an unlisted file does not count)', () => {
  const files = { 'r2.sops.yaml': SECRET('r2-keys'), 'unlisted.sops.yaml': SECRET('r2-credentials') };
  expect(errors(usesR2Secret(['r2.sops.yaml']), files)).toEqual([expect.objectContaining({ field: 'objectStore.credentials.existingSecret', value: 'r2-credentials' })]);
});

test('Noncompliance: every reference of every database is checked, at its own field', () => {
  const found = errors((env) => {
    env.appCredentials = { existingSecret: 'app-db-app' };
    env.databases = [{ cluster: { name: 'billing-db', storageSize: '1Gi' }, migrations: { applied: [], migratorCredentials: { existingSecret: 'billing-migrator' } } }];
  }, {});
  expect(found.map((error) => error.field).sort()).toEqual(['appCredentials.existingSecret', 'databases[0].migrations.migratorCredentials.existingSecret']);
});

test.each([
  ['missing', {}, /names flux\/infrastructure\/data\/cnpg-clusters\/production\/r2.sops.yaml, which does not exist/],
  ['not YAML', { 'r2.sops.yaml': 'kind: Secret\n  name: [unclosed\n' }, /which is not valid YAML/],
])('Noncompliance: the listed file is %s', (_case, files, message) => {
  expect(errors(usesR2Secret(['r2.sops.yaml']), files)).toContainEqual(expect.objectContaining({ field: 'flux.additionalResources[0]', message: expect.stringMatching(message) }));
});

test('Noncompliance: the listed file is a symbolic link (never followed)', () => {
  const root = checkout({});
  writeFileSync(join(root, 'elsewhere.yaml'), SECRET('r2-credentials'));
  symlinkSync(join(root, 'elsewhere.yaml'), join(root, DIRECTORY, 'r2.sops.yaml'));
  expect(errors(usesR2Secret(['r2.sops.yaml']), {}, root)).toEqual([
    expect.objectContaining({ field: 'flux.additionalResources[0]', message: expect.stringMatching(/which is a symbolic link/) }),
    expect.objectContaining({ field: 'objectStore.credentials.existingSecret' }),
  ]);
});
