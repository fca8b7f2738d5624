import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { celFunctions, withDefaults } from '../helpers/crd-rules';
import { committedSchemas, loadCrdValidators, schemaErrors } from '../helpers/crd-schemas';
import { REPO_ROOT } from '../helpers/fixtures';

/**
 * The CRDs' own CEL rules (x-kubernetes-validations), which the API server enforces on top of
 * the OpenAPI schema. One object breaking each rule of every committed schema proves each check
 * can fail; the bases are the committed Flux tree's objects (equal to synthesis, see
 * synthesize.test.ts) or, for kinds this project does not render, minimal valid objects.
 */
const validators = loadCrdValidators();

/** A writable copy of the first object of a committed Flux file. */
const committed = (path: string) => YAML.parseAllDocuments(readFileSync(join(REPO_ROOT, 'flux', path), 'utf8'))[0].toJS();
const BASES: Record<string, () => any> = {
  Cluster: () => committed('infrastructure/data/cnpg-clusters/develop/cluster.yaml'),
  ObjectStore: () => committed('infrastructure/data/cnpg-clusters/develop/object-store.yaml'),
  Backup: () => committed('infrastructure/data/cnpg-clusters/staging/clone-base-backup.yaml'),
  ScheduledBackup: () => committed('infrastructure/data/cnpg-clusters/develop/scheduled-backup.yaml'),
  Kustomization: () => committed('clusters/develop/cnpg-clusters.yaml'),
  Database: () => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name: 'app', namespace: 'databases' }, spec: { cluster: { name: 'app-db' }, name: 'app', owner: 'app' } }),
  Pooler: () => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name: 'app-db-rw', namespace: 'databases' }, spec: { cluster: { name: 'app-db' }, pgbouncer: { poolMode: 'session' } } }),
};

const CATALOG = { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'postgresql', major: 18 };
/** A Pooler's catalog entry is chosen by key, not by major version. */
const POOLER_CATALOG = { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'pgbouncer', key: 'pgbouncer' };
const withoutImageName = (change: (spec: any) => void) => (spec: any) => { delete spec.imageName; change(spec); };

/** [kind, what breaks the rule, change to the base's spec, where the error is reported, its message]. */
const CASES: [string, string, (spec: any) => void, string, string][] = [
  ['ObjectStore', 'serverName in the configuration', (spec) => { spec.configuration.serverName = 'app-db'; }, '/spec/configuration/serverName', "use the 'serverName' plugin parameter in the Cluster resource"],
  ['ObjectStore', '--log-level in the sidecar arguments', (spec) => { spec.instanceSidecarConfiguration.additionalContainerArgs = ['--log-level=debug']; }, '/spec/instanceSidecarConfiguration/additionalContainerArgs', 'do not set --log-level in additionalContainerArgs; use spec.instanceSidecarConfiguration.logLevel'],
  ['Cluster', 'an image name and an image catalog', (spec) => { spec.imageCatalogRef = CATALOG; }, '/spec', 'imageName and imageCatalogRef are mutually exclusive'],
  ['Cluster', 'an image catalog of another kind', withoutImageName((spec) => { spec.imageCatalogRef = { ...CATALOG, kind: 'ConfigMap' }; }), '/spec/imageCatalogRef', 'Only image catalogs are supported'],
  ['Cluster', 'an image catalog of another API group', withoutImageName((spec) => { spec.imageCatalogRef = { ...CATALOG, apiGroup: 'example.com' }; }), '/spec/imageCatalogRef', 'Only image catalogs are supported'],
  ['Cluster', 'builtinLocale with the libc provider', (spec) => { Object.assign(spec.bootstrap.initdb, { localeProvider: 'libc', builtinLocale: 'C.UTF-8' }); }, '/spec/bootstrap/initdb', 'builtinLocale is only available when localeProvider is set to `builtin`'],
  ['Cluster', 'icuLocale with the libc provider', (spec) => { Object.assign(spec.bootstrap.initdb, { localeProvider: 'libc', icuLocale: 'en-US' }); }, '/spec/bootstrap/initdb', 'icuLocale is only available when localeProvider is set to `icu`'],
  ['Cluster', 'icuRules with the libc provider', (spec) => { Object.assign(spec.bootstrap.initdb, { localeProvider: 'libc', icuRules: '&a < b' }); }, '/spec/bootstrap/initdb', 'icuRules is only available when localeProvider is set to `icu`'],
  ['Cluster', 'preferred durability with standby names', (spec) => { spec.postgresql = { synchronous: { method: 'any', number: 1, dataDurability: 'preferred', standbyNamesPre: ['other'] } }; }, '/spec/postgresql/synchronous', "dataDurability set to 'preferred' requires empty 'standbyNamesPre' and empty 'standbyNamesPost'"],
  ['Cluster', 'zero synchronous replicas', (spec) => { spec.postgresql = { synchronous: { method: 'any', number: 0, dataDurability: 'required' } }; }, '/spec/postgresql/synchronous/number', 'The number of synchronous replicas should be greater than zero'],
  ['Database', 'builtinLocale with the icu provider', (spec) => { Object.assign(spec, { localeProvider: 'icu', builtinLocale: 'C.UTF-8' }); }, '/spec', 'builtinLocale is only available when localeProvider is set to `builtin`'],
  ['Database', 'icuLocale with the builtin provider', (spec) => { Object.assign(spec, { localeProvider: 'builtin', icuLocale: 'en-US' }); }, '/spec', 'icuLocale is only available when localeProvider is set to `icu`'],
  ['Database', 'icuRules with the builtin provider', (spec) => { Object.assign(spec, { localeProvider: 'builtin', icuRules: '&a < b' }); }, '/spec', 'icuRules is only available when localeProvider is set to `icu`'],
  ['Database', 'the database postgres', (spec) => { spec.name = 'postgres'; }, '/spec/name', 'the name postgres is reserved'],
  ['Database', 'the database template0', (spec) => { spec.name = 'template0'; }, '/spec/name', 'the name template0 is reserved'],
  ['Database', 'the database template1', (spec) => { spec.name = 'template1'; }, '/spec/name', 'the name template1 is reserved'],
  ['Database', 'an FDW usage without a name', (spec) => { spec.fdws = [{ name: 'postgres_fdw', usage: [{ name: '', type: 'grant' }] }]; }, '/spec/fdws/0/usage/0/name', 'name is required'],
  ['Database', 'a server without its FDW', (spec) => { spec.servers = [{ name: 'remote', fdw: '' }]; }, '/spec/servers/0/fdw', 'fdw is required'],
  ['Database', 'a server usage without a name', (spec) => { spec.servers = [{ name: 'remote', fdw: 'postgres_fdw', usage: [{ name: '', type: 'grant' }] }]; }, '/spec/servers/0/usage/0/name', 'name is required'],
  ['Pooler', 'an image and an image catalog', (spec) => { Object.assign(spec.pgbouncer, { image: 'pgbouncer:1', imageCatalogRef: POOLER_CATALOG }); }, '/spec/pgbouncer', 'image and imageCatalogRef are mutually exclusive'],
  ['Pooler', 'an image catalog of another kind', (spec) => { spec.pgbouncer.imageCatalogRef = { ...POOLER_CATALOG, kind: 'ConfigMap' }; }, '/spec/pgbouncer/imageCatalogRef', 'Only ImageCatalog and ClusterImageCatalog are supported'],
  ['Pooler', 'an image catalog of another API group', (spec) => { spec.pgbouncer.imageCatalogRef = { ...POOLER_CATALOG, apiGroup: 'example.com' }; }, '/spec/pgbouncer/imageCatalogRef', 'apiGroup must be postgresql.cnpg.io'],
  ['Kustomization', 'a kubeConfig naming neither source', (spec) => { spec.kubeConfig = {}; }, '/spec/kubeConfig', 'exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified'],
  ['Kustomization', 'a kubeConfig naming both sources', (spec) => { spec.kubeConfig = { configMapRef: { name: 'a' }, secretRef: { name: 'b' } }; }, '/spec/kubeConfig', 'exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified'],
];

/** Transition rules (immutable fields): [kind, field (spec or spec.<name>), old value (none: the base's), new value, message]. */
const DATABASE_LOCALES = { builtinLocale: 'builtin', icuLocale: 'icu', icuRules: 'icu' } as Record<string, string>;
const TRANSITIONS: [string, string, unknown, unknown, string][] = [
  ['Backup', 'spec', undefined, { cluster: { name: 'other-db' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } }, 'BackupSpec is immutable once set'],
  ['Cluster', 'spec.serviceAccountName', 'app-db', 'other', 'serviceAccountName is immutable'],
  ['ScheduledBackup', 'spec.cluster', { name: 'app-db' }, { name: 'other-db' }, 'cluster reference is immutable after creation'],
  ['Pooler', 'spec.cluster', { name: 'app-db' }, { name: 'other-db' }, 'cluster reference is immutable after creation'],
  ['Pooler', 'spec.serviceAccountName', 'app-db-rw', 'other', 'serviceAccountName is immutable'],
  ['Database', 'spec.cluster', { name: 'app-db' }, { name: 'other-db' }, 'cluster reference is immutable after creation'],
  ['Database', 'spec.name', 'app', 'other', 'name is immutable'],
  ['Database', 'spec.localeProvider', 'libc', 'icu', 'localeProvider is immutable'],
  ...['builtinLocale', 'collationVersion', 'encoding', 'icuLocale', 'icuRules', 'locale', 'localeCType', 'localeCollate', 'template']
    .map((name): [string, string, unknown, unknown, string] => ['Database', `spec.${name}`, 'C', 'en_US', `${name} is immutable`]),
];

/** The one violation `errors` holds, reported at `prefix` with `message`; returns the rule it broke. */
function brokenRule(errors: string[], prefix: string, message: string): string {
  expect(errors).toHaveLength(1);
  expect(errors[0].startsWith(`${prefix} ${message} {`)).toBe(true);
  return JSON.parse(errors[0].slice(prefix.length + message.length + 1)).rule;
}

function breakRule([kind, , change, pointer, message]: (typeof CASES)[number]): string {
  const object = BASES[kind]();
  change(object.spec);
  return `${kind} ${pointer} ${brokenRule(schemaErrors(validators, object), `${kind}/${object.metadata.name}${pointer}`, message)}`;
}

function breakTransition([kind, field, before, after, message]: (typeof TRANSITIONS)[number]): string {
  const [old, updated] = [BASES[kind](), BASES[kind]()];
  const name = field.split('.')[1];
  const set = (object: any, value: unknown) => {
    if (name === undefined) {
      object.spec = value ?? object.spec;
      return;
    }
    if (DATABASE_LOCALES[name]) object.spec.localeProvider = DATABASE_LOCALES[name];
    object.spec[name] = value;
  };
  set(old, before);
  set(updated, after);
  // A transition rule needs an old object: creating the changed object is fine, and so is an update that changes nothing.
  expect(schemaErrors(validators, updated)).toEqual([]);
  expect(schemaErrors(validators, updated, updated)).toEqual([]);
  const pointer = `/${field.replace('.', '/')}`;
  return `${kind} ${pointer} ${brokenRule(schemaErrors(validators, updated, old), `${kind}/${updated.metadata.name}${pointer}`, message)}`;
}

/** Every CEL rule of a schema, as `<kind> <JSON pointer, * for list items and map values> <rule>`. */
function rulesOf(kind: string, schema: any, pointer = '', found: { location: string; rule: any; belowList: boolean }[] = [], belowList = false) {
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const fieldPath = (rule.fieldPath ?? '').replace(/\./g, '/');
    found.push({ location: `${kind} ${pointer}${fieldPath} ${rule.rule}`, rule, belowList });
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) rulesOf(kind, child, `${pointer}/${name}`, found, belowList);
  if (schema.items) rulesOf(kind, schema.items, `${pointer}/*`, found, true);
  if (typeof schema.additionalProperties === 'object') rulesOf(kind, schema.additionalProperties, `${pointer}/*`, found, true);
  return found;
}

const allRules = () => [...committedSchemas().values()].flatMap((crd) => Object.values(crd.versions).flatMap((schema) => rulesOf(crd.kind, schema)));

test.each(Object.keys(BASES))('the %s base passes its schema and every rule', (kind) => {
  expect(schemaErrors(validators, BASES[kind]())).toEqual([]);
});

test.each(CASES)('%s: %s is refused', (...example) => {
  breakRule(example);
});

test.each(TRANSITIONS)('%s: changing %s is refused on update only', (...example) => {
  breakTransition(example);
});

test('every CEL rule of every committed schema is broken by one of the cases above', () => {
  const covered = [...CASES.map(breakRule), ...TRANSITIONS.map(breakTransition)].map((location) => location.replace(/\/\d+/g, '/*'));
  expect([...new Set(covered)].sort()).toEqual([...new Set(allRules().map((found) => found.location))].sort());
});

test('the rules call only CEL standard macros and functions, which Kubernetes includes', () => {
  // Kubernetes' CEL reference: the standard macros (has, all, exists, exists_one, map, filter)
  // and the standard functions (size, startsWith, ...) are available in every version.
  expect([...new Set(allRules().flatMap((found) => celFunctions(found.rule.rule)))].sort()).toEqual(['exists', 'has', 'size', 'startsWith']);
});

test('no transition rule sits below a list, where old items would have to be correlated', () => {
  expect(allRules().filter((found) => found.belowList && found.rule.rule.includes('oldSelf'))).toEqual([]);
});

test('a rule that cannot be evaluated refuses the object, as the API server does', () => {
  // CNPG's synchronous rule reads self.dataDurability without has(): absent, it is "no such key".
  // CEL's || absorbs an error when the other side is true, so only standby names make it fail.
  const cluster = BASES.Cluster();
  cluster.spec.postgresql = { synchronous: { method: 'any', number: 1 } };
  expect(schemaErrors(validators, cluster)).toEqual([]);
  cluster.spec.postgresql.synchronous.standbyNamesPre = ['other'];
  expect(schemaErrors(validators, cluster)).toEqual([expect.stringMatching(/^Cluster\/app-db\/spec\/postgresql\/synchronous rule could not be evaluated: No such key: dataDurability \{"rule":/)]);
});

test('the schema defaults are applied first, as the API server decodes a request', () => {
  const backup = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name: 'b' }, spec: { cluster: { name: 'app-db' } } };
  const schema = committedSchemas().get('cnpg-1.30.0/postgresql.cnpg.io_backups.json')!.versions.v1;
  // CNPG's default method is the native one this project never uses: a Backup must say "plugin".
  expect((withDefaults(schema, backup) as any).spec.method).toBe('barmanObjectStore');
  expect(backup.spec).toEqual({ cluster: { name: 'app-db' } });
  expect(schemaErrors(validators, { ...backup, spec: { ...backup.spec, method: 'snapshot' } })).toEqual([expect.stringMatching(/^Backup\/b\/spec\/method must be equal to one of the allowed values/)]);
});
