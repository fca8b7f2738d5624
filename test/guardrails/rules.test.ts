import { ApiObject, JsonPatch } from 'cdk8s';
import { FluxChart } from '../../src/flux/flux-chart';
import { databaseChart, idsIn, shippedEnvironments, violationsAfter, violationsOf, withEnvironment, withoutShippedWarnings } from '../helpers/fixtures';
import { migrationViolations } from '../helpers/migrations';

/** The rendered object of a kind in an environment's database chart, for escape-hatch overrides. */
function objectOf(charts: FluxChart[], environment: 'develop' | 'staging' | 'production', kind: string, name?: string): ApiObject {
  return databaseChart(charts, environment).node.findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .find((o) => o.kind === kind && (name === undefined || o.name === name))!;
}

test('the shipped configs violate no guardrail but the warnings they raise on purpose (the backfill, tag-only images)', () => {
  expect(withoutShippedWarnings(violationsOf(shippedEnvironments()))).toEqual([]);
});

describe('IMG001: images pinned by digest', () => {
  const digest = `@sha256:${'0123456789abcdef'.repeat(4)}`;
  test('Noncompliance: the cluster and the gate, once per database, in production only', () => {
    const violations = violationsOf(shippedEnvironments()).filter((violation) => violation.ruleId === 'IMG001');
    expect(violations.map((violation) => [violation.message, violation.value])).toEqual([
      ['the migration gate of cluster app-db runs an image pinned by tag only', 'docker.io/alpine/k8s:1.32.4'],
      ['cluster app-db runs an image pinned by tag only', 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie'],
    ]);
  });
  test('Noncompliance: a migration\'s own image, at its catalog field', () => {
    const violations = migrationViolations([{ id: '0001-own-tool', sql: 'SELECT 1;', image: 'ghcr.io/acme/migrator:2.1.0', command: ['migrate'] }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'IMG001', configFile: 'src/config/migrations.ts', configField: '0001-own-tool.image', value: 'ghcr.io/acme/migrator:2.1.0' }));
  });
  test('Compliance: digests everywhere', () => {
    const pinned = withEnvironment('production', (env) => {
      env.cluster.imageName = `ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie${digest}`;
      env.migrations = { ...env.migrations!, gateImage: `docker.io/alpine/k8s:1.32.4${digest}` };
    });
    expect(idsIn(violationsOf(pinned))).not.toContain('IMG001');
  });
});

describe('BKP001: retention policy format', () => {
  test.each(['30 days', '0d', '1y', '7D', ' 7d'])('Noncompliance: %j', (retentionPolicy) => {
    const violations = violationsOf(withEnvironment('develop', (env) => { env.backup.retentionPolicy = retentionPolicy; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP001', environment: 'develop', configField: 'backup.retentionPolicy', value: retentionPolicy }));
  });
  test.each(['7d', '2w', '1m', '365d'])('Compliance: %j', (retentionPolicy) => {
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.backup.retentionPolicy = retentionPolicy; })))).not.toContain('BKP001');
  });
});

describe('BKP002: retention minimum per environment', () => {
  test('Noncompliance: production keeps 14 days, needs 30', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.backup.retentionPolicy = '14d'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP002', severity: 'error', message: 'retention keeps 14 days, production needs at least 30' }));
  });
  test('Noncompliance: develop keeps 6 days, needs 7', () => {
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.backup.retentionPolicy = '6d'; })), 'develop')).toContain('BKP002');
  });
  test.each(['30d', '5w', '1m'])('Compliance: production keeps %s', (retentionPolicy) => {
    expect(idsIn(violationsOf(withEnvironment('production', (env) => { env.backup.retentionPolicy = retentionPolicy; })))).not.toContain('BKP002');
  });
});

describe('BKP006: the server keeps time in UTC', () => {
  test.each(['Europe/Berlin', 'America/New_York', '+02', 'CET'])('Noncompliance: %s', (timezone) => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.cluster.postgresqlParameters = { timezone }; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP006', severity: 'error', configField: 'cluster.postgresqlParameters.timezone', value: timezone }));
  });
  test.each(['UTC', 'Etc/UTC', 'gmt', 'Zulu'])('Compliance: %s', (timezone) => {
    expect(idsIn(violationsOf(withEnvironment('production', (env) => { env.cluster.postgresqlParameters = { timezone }; })))).not.toContain('BKP006');
  });
  test('Compliance: unset (the images run in UTC)', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('BKP006');
  });
});

describe('BKP003: six-field schedule', () => {
  test('Noncompliance: a five-field crontab', () => {
    const violations = violationsOf(withEnvironment('staging', (env) => { env.backup.schedule = '0 3 * * *'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP003', environment: 'staging', configField: 'backup.schedule', value: '0 3 * * *' }));
  });
  test('Noncompliance: an out-of-range hour', () => {
    expect(idsIn(withoutShippedWarnings(violationsOf(withEnvironment('staging', (env) => { env.backup.schedule = '0 0 24 * * *'; }))))).toEqual(['BKP003']);
  });
  test('Compliance: six fields, seconds first', () => {
    expect(idsIn(violationsOf(withEnvironment('staging', (env) => { env.backup.schedule = '0 15 2 * * *'; })))).not.toContain('BKP003');
  });
});

describe('BKP004: backup frequency', () => {
  test('Noncompliance: weekly backups in production are an error', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.backup.schedule = '0 0 3 * * SUN'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP004', severity: 'error', message: 'backups can be 168 hours apart, production allows at most 24' }));
  });
  test('Noncompliance: weekday-only backups in staging are a warning', () => {
    const violations = violationsOf(withEnvironment('staging', (env) => { env.backup.schedule = '0 0 3 * * MON-FRI'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP004', severity: 'warning', environment: 'staging' }));
  });
  test('Compliance: weekly backups are fine in develop', () => {
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.backup.schedule = '0 0 3 * * SUN'; })))).not.toContain('BKP004');
  });
});

describe('BKP005: method plugin with pluginConfiguration', () => {
  test('Noncompliance: an override back to the default method', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ScheduledBackup').addJsonPatch(JsonPatch.remove('/spec/method')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP005', value: '(unset: barmanObjectStore)' }));
  });
  test('Noncompliance: pluginConfiguration removed', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ScheduledBackup').addJsonPatch(JsonPatch.remove('/spec/pluginConfiguration')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP005', message: 'ScheduledBackup pluginConfiguration.name is not barman-cloud.cloudnative-pg.io' }));
  });
  test('Compliance: what ScheduledBackup renders', () => {
    expect(idsIn(violationsAfter(() => undefined))).not.toContain('BKP005');
  });
});

describe('CLU001: cluster name', () => {
  test('Noncompliance: 51 characters', () => {
    const violations = violationsOf(withEnvironment('develop', (env) => { env.cluster.name = 'a'.repeat(51); }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'CLU001', configField: 'cluster.name', message: expect.stringMatching(/51 characters, at most 50/) }));
  });
  // The config layer refuses such names (they become file names); the rule still sees an escape hatch's.
  test.each(['App-DB', '1db', 'app_db'])('Noncompliance (escape hatch): %s', (name) => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'Cluster').addJsonPatch(JsonPatch.replace('/metadata/name', name)));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'CLU001', configField: 'cluster.name', message: expect.stringMatching(/not a DNS-1035 label/) }));
  });
  test('Compliance: 50 characters', () => {
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.cluster.name = `a${'b'.repeat(49)}`; })))).not.toContain('CLU001');
  });
});

describe('HA001: instances per environment', () => {
  test('Noncompliance: production with 2 instances', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.cluster.instances = 2; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'HA001', configField: 'cluster.instances', value: 2 }));
  });
  test('Noncompliance: staging left at the default of 1', () => {
    expect(idsIn(violationsOf(withEnvironment('staging', (env) => { delete env.cluster.instances; })))).toContain('HA001');
  });
  test('Compliance: develop with 1', () => {
    expect(idsIn(violationsOf(shippedEnvironments()), 'develop')).not.toContain('HA001');
  });
});

describe('HA002: zone anti-affinity in production', () => {
  test('Noncompliance: production spread over hosts only', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { delete env.cluster.topologyKey; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'HA002', value: 'kubernetes.io/hostname' }));
  });
  test('Noncompliance: anti-affinity switched off by an override', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'production', 'Cluster').addJsonPatch(JsonPatch.replace('/spec/affinity/enablePodAntiAffinity', false)));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'HA002', message: 'pod anti-affinity is disabled' }));
  });
  test('Compliance: develop may spread over hosts', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('HA002');
  });
});

describe('HA003: resources set', () => {
  test('Noncompliance: production without a memory limit', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { delete env.cluster.resources!.limits; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'HA003', severity: 'error', message: 'resources limits.memory not set' }));
  });
  test('Noncompliance: staging without resources is a warning', () => {
    const violations = violationsOf(withEnvironment('staging', (env) => { delete env.cluster.resources; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'HA003', severity: 'warning' }));
  });
  test('Compliance: develop needs none', () => {
    expect(idsIn(violationsOf(shippedEnvironments()), 'develop')).not.toContain('HA003');
  });
});

describe('OBJ001: S3-compatible endpoint', () => {
  test.each([
    ['http://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com', 'endpointURL does not use https'],
    ['https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com/acme-cnpg-develop', 'endpointURL has a path or query; the bucket and prefix belong in destinationPath'],
    ['https://acme-cnpg-develop.0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com', 'endpointURL starts with the bucket "acme-cnpg-develop" (virtual-host style)'],
    ['https://my-account.r2.cloudflarestorage.com', 'R2 endpoint host is not <32-hex account id>[.eu|.fedramp].r2.cloudflarestorage.com'],
    ['not a url', 'endpointURL is not a URL'],
  ])('Noncompliance: %s', (endpointURL, message) => {
    const violations = violationsOf(withEnvironment('develop', (env) => { env.objectStore.endpointURL = endpointURL; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'OBJ001', configField: 'objectStore.endpointURL', message }));
  });
  test('Noncompliance: an S3-compatible store without the checksum variables', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ObjectStore').addJsonPatch(JsonPatch.remove('/spec/instanceSidecarConfiguration')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'OBJ001', configField: 'objectStore.provider' }));
  });
  test.each([
    'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.eu.r2.cloudflarestorage.com',
    'https://minio.storage.svc:9000',
  ])('Compliance: %s', (endpointURL) => {
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.objectStore.endpointURL = endpointURL; })))).not.toContain('OBJ001');
  });
  test('Compliance: AWS S3 without an endpoint', () => {
    const environments = withEnvironment('develop', (env) => { env.objectStore.provider = 'aws-s3'; delete env.objectStore.endpointURL; });
    expect(idsIn(violationsOf(environments))).not.toContain('OBJ001');
  });
});

describe('RCV001: explicit recovery serverName', () => {
  test('Noncompliance: the serverName parameter removed from the clone source', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'staging', 'Cluster').addJsonPatch(JsonPatch.remove('/spec/externalClusters/0/plugin/parameters/serverName')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'RCV001', environment: 'staging' }));
  });
  test('Compliance: cloneFrom names production\'s folder', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('RCV001');
  });
});

describe('RCV002: a clone or restore has room for its source', () => {
  const restoreOf = (storageSize: string) => withEnvironment('production', (env) => {
    env.restores = [{ name: 'app-db-restored', target: { beforeMigration: '0005-drop-email', startedAt: new Date(Date.now() - 7_200_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }, storageSize, verify: [] }];
  });
  test.each([
    ['a clone with a smaller data volume', withEnvironment('staging', (env) => { env.cluster.storageSize = '20Gi'; }), 'staging', 'cluster.storageSize', 'clone app-db has a 20Gi data volume, smaller than the 100Gi of app-db'],
    ['a clone with a smaller WAL volume', withEnvironment('staging', (env) => { env.cluster.walStorageSize = '10Gi'; }), 'staging', 'cluster.walStorageSize', 'clone app-db has a 10Gi WAL volume, smaller than the 20Gi of app-db'],
    ['a restore with a smaller data volume, in a decimal unit', restoreOf('100G'), 'production', 'restores', 'restore app-db-restored has a 100G data volume, smaller than the 100Gi of app-db'],
  ])('Noncompliance: %s', (_case, environments, environment, configField, message) => {
    expect(violationsOf(environments)).toContainEqual(expect.objectContaining({ ruleId: 'RCV002', severity: 'error', environment, configField, message }));
  });
  test('Noncompliance: without a WAL volume, the data volume must hold the source\'s WAL too', () => {
    const { recoveryVolumes } = require('../../src/guardrails/rules/recovery-volumes');
    const review = { kind: 'ClusterVolumes', name: 'clone', path: 'x', manifest: { name: 'clone', storageSize: '110Gi', source: { name: 'app-db', storageSize: '100Gi', walStorageSize: '20Gi' }, restore: false } };
    expect(recoveryVolumes.check(review, undefined)).toEqual([expect.objectContaining({ message: 'clone clone keeps WAL on its 110Gi data volume, smaller than the 100Gi data and 20Gi WAL volumes of app-db together' })]);
    expect(recoveryVolumes.check({ ...review, manifest: { ...review.manifest, storageSize: '120Gi' } }, undefined)).toEqual([]);
  });
  test('Compliance: the clone takes production\'s volumes; a larger restore', () => {
    const staging = databaseChart(require('../../src/synthesize').buildApp(require('../helpers/fixtures').estate()).charts, 'staging');
    const spec = staging.node.findAll().filter((c: any): c is ApiObject => c instanceof ApiObject).find((o) => o.kind === 'Cluster')!.toJson().spec;
    expect([spec.storage.size, spec.walStorage.size]).toEqual(['100Gi', '20Gi']);
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('RCV002');
    expect(idsIn(violationsOf(restoreOf('200Gi')))).not.toContain('RCV002');
  });
});

describe('SEC001: credentials by reference only', () => {
  test('Noncompliance: a Secret with data in the tree', () => {
    const violations = violationsAfter((charts) => {
      new ApiObject(databaseChart(charts, 'develop'), 'Leaked', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'r2' }, data: { ACCESS_KEY_ID: 'QUtJQQ==' } } as any);
    });
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message: 'Secret r2 carries values (ACCESS_KEY_ID) in Git', value: '<redacted>' }));
  });
  test('Noncompliance: a password in a PostgreSQL parameter, at its config field, never echoed', () => {
    const violations = violationsOf(withEnvironment('develop', (env) => { env.cluster.postgresqlParameters = { 'pgaudit.password': 'hunter2hunter2' }; }));
    expect(violations).toContainEqual(expect.objectContaining({
      ruleId: 'SEC001',
      configField: 'cluster.postgresqlParameters',
      message: 'Cluster app-db spec.postgresql.parameters["pgaudit.password"] holds a password (pgaudit.password), 14 characters',
      value: '<redacted: a password (pgaudit.password), 14 characters>',
    }));
    expect(JSON.stringify(violations)).not.toContain('hunter2');
  });
  test('Compliance: settings named like credentials that hold none', () => {
    const parameters = { password_encryption: 'scram-sha-256', ssl_passphrase_command: 'sh -c "cat /etc/ssl/passphrase"', ssl_passphrase_command_supports_reload: 'on' };
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.cluster.postgresqlParameters = parameters; })))).not.toContain('SEC001');
  });
  test('Noncompliance: an inline credential in the sidecar env, named by its variable', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ObjectStore')
      .addJsonPatch(JsonPatch.add('/spec/instanceSidecarConfiguration/env/-', { name: 'AWS_SECRET_ACCESS_KEY', value: 'abc' })));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message: 'ObjectStore app-db-store spec.instanceSidecarConfiguration.env[AWS_SECRET_ACCESS_KEY] holds a credential (AWS_SECRET_ACCESS_KEY), 3 characters' }));
  });
  test('Noncompliance: s3Credentials pointing at a Secret nobody provides', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ObjectStore')
      .addJsonPatch(JsonPatch.replace('/spec/configuration/s3Credentials/accessKeyId/name', 'hand-made')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', value: 'hand-made' }));
  });
  test('Noncompliance: a SOPS-looking Secret with one plain value', () => {
    const violations = violationsAfter((charts) => {
      new ApiObject(databaseChart(charts, 'develop'), 'Half', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'half' }, sops: { version: '3.9.0' }, stringData: { a: 'ENC[AES256_GCM,data:x]', b: 'plain' } } as any);
    });
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message: 'Secret half carries values (a, b) in Git' }));
  });
  test.each([
    ['a connection URI with a password in a Job env', 'Job', { spec: { template: { spec: { containers: [{ name: 'x', image: 'y', env: [{ name: 'DATABASE_URL', value: 'postgresql://app:hunter2@app-db-rw/app' }] }] } } } }, 'Job leak spec.template.spec.containers[0].env[DATABASE_URL] holds the password of a postgresql:// URL, 7 characters'],
    ['a private key in a ConfigMap', 'ConfigMap', { data: { 'tls.key': '-----BEGIN RSA PRIVATE KEY-----\nMIIE' } }, 'ConfigMap leak data["tls.key"] line 1 holds a private key, 36 characters, "--…IE"'],
    ['an AWS access key id in an annotation', 'ConfigMap', { metadata: { name: 'c', annotations: { note: 'key AKIA2E0A8F3B244C9986' } } }, 'ConfigMap c metadata.annotations.note holds an AWS access key id, 20 characters, "AK…86"'],
  ])('Noncompliance: %s', (_case, kind, body, message) => {
    const violations = violationsAfter((charts) => {
      new ApiObject(databaseChart(charts, 'develop'), 'Leak', { apiVersion: kind === 'Job' ? 'batch/v1' : 'v1', kind, metadata: { name: 'leak' }, ...body } as any);
    });
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message, value: expect.stringMatching(/^<redacted: /) }));
  });
  test.each([
    ['quoted', "CREATE ROLE reporting LOGIN PASSWORD 'hunter2';"],
    ['dollar-quoted', 'CREATE ROLE reporting LOGIN PASSWORD $$hunter2$$;'],
    ['tag-dollar-quoted', 'ALTER ROLE reporting PASSWORD $pw$hunter2$pw$;'],
    ['an escape string', "ALTER ROLE reporting PASSWORD E'hunter\\x32';"],
    ['a Unicode escape string', "ALTER ROLE reporting PASSWORD U&'hunter\\0032';"],
    ['a foreign server option', "CREATE USER MAPPING FOR app SERVER billing OPTIONS (user 'app', password 'hunter2');"],
  ])('Noncompliance: a password in migration SQL, %s, at the line of the SQL, never echoed', (_case, sql) => {
    const violations = migrationViolations([{ id: '0001-role', sql: `-- a role for reports\n${sql}` }]);
    expect(violations).toContainEqual(expect.objectContaining({
      ruleId: 'SEC001',
      configFile: 'src/config/migrations.ts',
      configField: '0001-role.sql',
      message: expect.stringMatching(/^ConfigMap migrate-0001-role-[0-9a-f]{8} data\["up\.sql"\] line 2 holds a password in SQL, 7 characters$/),
    }));
    expect(JSON.stringify(violations)).not.toContain('hunter');
  });
  test('Noncompliance: a connection string in SQL; MIG003 quotes the statement with its password redacted', () => {
    const violations = migrationViolations([{ id: '0001-dsn', phase: 'migrate', sql: "CREATE TABLE links (dsn text DEFAULT 'host=billing-rw password=Hunter2Hunter2Hunter2');" }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message: expect.stringMatching(/holds a password in a connection string, 21 characters, "Hu…r2"$/) }));
    const mig003 = violations.filter((violation) => violation.ruleId === 'MIG003');
    expect(mig003.length).toBeGreaterThan(0);
    expect(mig003[0].value).toMatch(/^CREATE TABLE links \(dsn text DEFAULT <redacted: a password in a connection/);
    expect(JSON.stringify(violations)).not.toContain('Hunter2Hunter2');
  });
  test('Compliance: a SOPS-encrypted Secret', () => {
    const violations = violationsAfter((charts) => {
      new ApiObject(databaseChart(charts, 'develop'), 'Sops', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'r2' }, sops: { version: '3.9.0' }, stringData: { ACCESS_KEY_ID: 'ENC[AES256_GCM,data:Tr7o,iv:1,tag:2,type:str]' } } as any);
    });
    expect(idsIn(violations)).not.toContain('SEC001');
  });
  test('Compliance: the shipped ExternalSecrets', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('SEC001');
  });
});

describe('SEC002: production app credentials from the secret store', () => {
  test('Noncompliance: production without appCredentials', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { delete env.appCredentials; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC002', configField: 'appCredentials', value: '(operator-generated)' }));
  });
  test('Compliance: develop may use the operator-generated secret', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('SEC002');
  });
});

describe('SEC003: superuser access disabled', () => {
  test('Noncompliance: production with superuser access is an error', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.cluster.enableSuperuserAccess = true; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC003', severity: 'error' }));
  });
  test('Noncompliance: develop with superuser access is a warning', () => {
    const violations = violationsOf(withEnvironment('develop', (env) => { env.cluster.enableSuperuserAccess = true; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC003', severity: 'warning' }));
  });
  test('Compliance: the default', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('SEC003');
  });
});

describe('WAL001: WAL archiving through the plugin', () => {
  test('Noncompliance: no WAL archiver', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'Cluster').addJsonPatch(JsonPatch.remove('/spec/plugins')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'WAL001', message: 'cluster has 0 enabled WAL-archiver plugins, needs exactly one' }));
  });
  test('Noncompliance: archiver disabled', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'Cluster').addJsonPatch(JsonPatch.add('/spec/plugins/0/enabled', false)));
    expect(idsIn(violations)).toContain('WAL001');
  });
  test('Noncompliance: the archiver points at an ObjectStore that is not rendered', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'Cluster').addJsonPatch(JsonPatch.replace('/spec/plugins/0/parameters/barmanObjectName', 'elsewhere')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'WAL001', value: 'elsewhere' }));
  });
  test('Compliance: every shipped cluster archives', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('WAL001');
  });
});

describe('WAL002: no native barmanObjectStore', () => {
  test('Noncompliance: spec.backup.barmanObjectStore', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'Cluster')
      .addJsonPatch(JsonPatch.add('/spec/backup', { barmanObjectStore: { destinationPath: 's3://old/' } })));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'WAL002', message: 'spec.backup.barmanObjectStore is set', value: 's3://old/' }));
  });
  test('Noncompliance: externalClusters[].barmanObjectStore', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'staging', 'Cluster')
      .addJsonPatch(JsonPatch.add('/spec/externalClusters/0/barmanObjectStore', { destinationPath: 's3://old/' })));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'WAL002', message: 'externalClusters[origin].barmanObjectStore is set' }));
  });
  test('Compliance: plugin only', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('WAL002');
  });
});

describe('WAL003: a clone never archives into its source', () => {
  test('Noncompliance: staging writes into production\'s bucket and folder', () => {
    const violations = violationsOf(withEnvironment('staging', (env) => {
      env.objectStore.destinationPath = 's3://acme-cnpg-production/';
      env.objectStore.serverName = 'app-db';
    }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'WAL003', environment: 'staging', value: 's3://acme-cnpg-production/app-db' }));
  });
  test.each([
    ['a trailing slash', 'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com/', 's3://acme-cnpg-production/'],
    ['upper case and the default port', 'HTTPS://0F1E2D3C4B5A69780F1E2D3C4B5A6978.R2.CLOUDFLARESTORAGE.COM:443', 's3://acme-cnpg-production'],
    ['a doubled slash in the path', 'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com', 's3://acme-cnpg-production//'],
  ])('Noncompliance: the same archive written differently (%s)', (_case, endpointURL, destinationPath) => {
    const violations = violationsOf(withEnvironment('staging', (env) => {
      env.objectStore.endpointURL = endpointURL;
      env.objectStore.destinationPath = destinationPath;
      env.objectStore.serverName = 'app-db';
    }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'WAL003', environment: 'staging', value: 's3://acme-cnpg-production/app-db' }));
  });
  test('Noncompliance: AWS S3 with and without an explicit regional endpoint is one service', () => {
    const environments = shippedEnvironments();
    for (const env of environments) Object.assign(env.objectStore, { provider: 'aws-s3', endpointURL: undefined });
    Object.assign(environments.find((env) => env.name === 'staging')!.objectStore, { endpointURL: 'https://s3.eu-central-1.amazonaws.com', destinationPath: 's3://acme-cnpg-production/', serverName: 'app-db' });
    expect(idsIn(violationsOf(environments), 'staging')).toContain('WAL003');
  });
  test('Compliance: same bucket, own folder (the clone server name)', () => {
    const violations = violationsOf(withEnvironment('staging', (env) => { env.objectStore.destinationPath = 's3://acme-cnpg-production/'; }));
    expect(idsIn(violations)).not.toContain('WAL003');
  });
});


describe('DEL001: deletion protection is never committed', () => {
  test('Noncompliance: a production Cluster carrying the deletion reason in Git', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'production', 'Cluster').metadata.addAnnotation('cnpg-gitops.io/deletion-reason', 'cleanup after the migration'));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'DEL001', environment: 'production', message: 'Cluster app-db carries cnpg-gitops.io/deletion-reason in Git, which disables its deletion protection' }));
  });
  test('Compliance: the shipped objects; develop does not check it', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('DEL001');
    const develop = violationsAfter((charts) => objectOf(charts, 'develop', 'ObjectStore').metadata.addAnnotation('cnpg-gitops.io/deletion-reason', 'throwaway store'));
    expect(idsIn(develop)).not.toContain('DEL001');
  });
});
