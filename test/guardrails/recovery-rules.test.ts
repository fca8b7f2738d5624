import { ApiObject, JsonPatch } from 'cdk8s';
import { databaseChart, idsIn, objectOf, shippedEnvironments, violationsAfter, violationsOf, withEnvironment } from '../helpers/fixtures';

/** Recovery (RCV): clones and restores read the right archive and have room for it. */

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
