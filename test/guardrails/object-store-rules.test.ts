import { JsonPatch } from 'cdk8s';
import { Violation } from '../../src/guardrails/engine';
import { idsIn, objectOf, violationsAfter, violationsOf, withBillingDb, withEnvironment } from '../helpers/fixtures';

/** Object stores (OBJ): S3 and R2 endpoints. */

describe('OBJ001: S3-compatible endpoint', () => {
  test.each([
    ['http://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com', 'endpointURL does not use https'],
    ['https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com/acme-cnpg-develop', 'endpointURL has a path or query; the bucket and prefix belong in destinationPath'],
    ['https://acme-cnpg-develop.0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorage.com', 'endpointURL starts with the bucket "acme-cnpg-develop" (virtual-host style)'],
    ['https://my-account.r2.cloudflarestorage.com', 'R2 endpoint host is not <32-hex account id>[.eu|.fedramp|.us].r2.cloudflarestorage.com'],
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
    'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.r2.cloudflarestorag.com',
    'https://s3.amazonaws.com',
    'https://minio.storage.svc:9000',
    'https://0f1e2d3c4b5a69780f1e2d3c4b5a6978.de.r2.cloudflarestorage.com',
  ])('Noncompliance: provider cloudflare-r2 with the host of %s', (endpointURL) => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.objectStore.endpointURL = endpointURL; }));
    expect(violations).toContainEqual(expect.objectContaining({
      ruleId: 'OBJ001', severity: 'error', path: 'production/Cluster/ObjectStore/Resource', configFile: 'src/config/production.ts', configField: 'objectStore.endpointURL',
      message: 'R2 endpoint host is not <32-hex account id>[.eu|.fedramp|.us].r2.cloudflarestorage.com', value: endpointURL,
    }));
  });
  test('Noncompliance: provider cloudflare-r2 with the endpoint removed by an override', () => {
    // The patch applies before the import maps the prop endpointUrl to the field endpointURL.
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ObjectStore').addJsonPatch(JsonPatch.remove('/spec/configuration/endpointUrl')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'OBJ001', configField: 'objectStore.endpointURL', value: '(unset)' }));
  });
  test.each(['', '.eu', '.fedramp', '.us'])('Compliance: provider cloudflare-r2 with the R2 endpoint of jurisdiction "%s"', (jurisdiction) => {
    const environments = withEnvironment('production', (env) => { env.objectStore.endpointURL = `https://0f1e2d3c4b5a69780f1e2d3c4b5a6978${jurisdiction}.r2.cloudflarestorage.com`; });
    expect(idsIn(violationsOf(environments))).not.toContain('OBJ001');
  });
  test('Compliance: provider s3-compatible with a MinIO endpoint', () => {
    const environments = withEnvironment('develop', (env) => { env.objectStore.provider = 's3-compatible'; env.objectStore.endpointURL = 'https://minio.storage.svc:9000'; });
    expect(idsIn(violationsOf(environments))).not.toContain('OBJ001');
  });
  test('Compliance: AWS S3 without an endpoint', () => {
    const environments = withEnvironment('develop', (env) => { env.objectStore.provider = 'aws-s3'; delete env.objectStore.endpointURL; });
    expect(idsIn(violationsOf(environments))).not.toContain('OBJ001');
  });
});

describe("a clone's recovery-source store: findings name the config that holds the field", () => {
  const endpointURL = 'https://s3.amazonaws.com';
  const recoverySource = (violations: readonly Violation[], path: string) => violations.filter((violation) => violation.path === path);

  test("what it copies from production's store (the endpoint) points at production.ts", () => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.objectStore.endpointURL = endpointURL; }));
    expect(recoverySource(violations, 'staging/Cluster/RecoverySource/Resource')).toEqual([expect.objectContaining({
      ruleId: 'OBJ001', environment: 'staging', configFile: 'src/config/production.ts', configField: 'objectStore.endpointURL', value: endpointURL,
    })]);
  });
  test("a further database's copy points at that database's fields in production.ts", () => {
    const environments = withBillingDb();
    const production = environments.find((env) => env.name === 'production')!;
    production.databases![0].objectStore = { ...production.objectStore, endpointURL };
    expect(recoverySource(violationsOf(environments), 'staging.billing-db/Cluster/RecoverySource/Resource')).toEqual([expect.objectContaining({
      ruleId: 'OBJ001', environment: 'staging', configFile: 'src/config/production.ts', configField: 'databases[0].objectStore.endpointURL', value: endpointURL,
    })]);
  });
  test("its own credentials, staging's read-only keys, point at cloneFrom.credentials in staging.ts", () => {
    const violations = violationsOf(withEnvironment('staging', (env) => { env.cloneFrom = { ...env.cloneFrom!, credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'AKIAIOSFODNN7EXAMPLE' } }; }));
    // Both keys of the ExternalSecret name the remote key: one finding each.
    const found = violations.filter((violation) => violation.path === 'staging/Cluster/RecoverySource/Credentials/Resource');
    expect(found.map(({ ruleId, configFile, configField }) => `${ruleId} ${configFile}: ${configField}`)).toEqual(Array(2).fill('SEC001 src/config/staging.ts: cloneFrom.credentials'));
  });
});
