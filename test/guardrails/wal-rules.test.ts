import { JsonPatch } from 'cdk8s';
import { idsIn, objectOf, shippedEnvironments, violationsAfter, violationsOf, withEnvironment } from '../helpers/fixtures';

/** WAL archiving (WAL): through the plugin, never the native barmanObjectStore, never into the source. */

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
