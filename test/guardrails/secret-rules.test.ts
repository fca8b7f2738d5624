import { ApiObject, JsonPatch } from 'cdk8s';
import { databaseChart, idsIn, objectOf, shippedEnvironments, violationsAfter, violationsOf, withEnvironment } from '../helpers/fixtures';
import { migrationViolations } from '../helpers/migrations';

/** Secrets (SEC): credentials by reference only. */

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
