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
  test('Noncompliance: a password in a PostgreSQL parameter', () => {
    const violations = violationsOf(withEnvironment('develop', (env) => { env.cluster.postgresqlParameters = { 'pgaudit.password': 'hunter2hunter2' }; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message: 'pgaudit.password is set inline', value: 'pgaudit.password=<redacted>' }));
  });
  test('Noncompliance: an inline credential in the sidecar env', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ObjectStore')
      .addJsonPatch(JsonPatch.add('/spec/instanceSidecarConfiguration/env/-', { name: 'AWS_SECRET_ACCESS_KEY', value: 'abc' })));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message: 'ObjectStore.spec.instanceSidecarConfiguration.env[2] sets AWS_SECRET_ACCESS_KEY inline' }));
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
    ['a connection URI with a password in a Job env', 'Job', { spec: { template: { spec: { containers: [{ name: 'x', image: 'y', env: [{ name: 'DATABASE_URL', value: 'postgresql://app:hunter2@app-db-rw/app' }] }] } } } }, /holds a connection URI with a password/],
    ['a private key in a ConfigMap', 'ConfigMap', { data: { 'tls.key': '-----BEGIN RSA PRIVATE KEY-----\nMIIE' } }, /ConfigMap.data.tls.key holds a private key/],
    ['an AWS access key id in an annotation', 'ConfigMap', { metadata: { name: 'c', annotations: { note: 'key AKIA2E0A8F3B244C9986' } } }, /holds an AWS access key id/],
  ])('Noncompliance: %s', (_case, kind, body, message) => {
    const violations = violationsAfter((charts) => {
      new ApiObject(databaseChart(charts, 'develop'), 'Leak', { apiVersion: kind === 'Job' ? 'batch/v1' : 'v1', kind, metadata: { name: 'leak' }, ...body } as any);
    });
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message: expect.stringMatching(message), value: '<redacted>' }));
  });
  test('Noncompliance: a password in migration SQL', () => {
    expect(migrationViolations([{ id: '0001-role', sql: "CREATE ROLE reporting LOGIN PASSWORD 'hunter2';" }]))
      .toContainEqual(expect.objectContaining({ ruleId: 'SEC001', message: expect.stringMatching(/holds a password in SQL/) }));
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
