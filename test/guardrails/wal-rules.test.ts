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
  test('Compliance: same bucket, own folder (the clone server name)', () => {
    const violations = violationsOf(withEnvironment('staging', (env) => { env.objectStore.destinationPath = 's3://acme-cnpg-production/'; }));
    expect(idsIn(violations)).not.toContain('WAL003');
  });
});
