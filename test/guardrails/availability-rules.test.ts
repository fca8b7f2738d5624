import { JsonPatch } from 'cdk8s';
import { idsIn, objectOf, shippedEnvironments, violationsAfter, violationsOf, withEnvironment } from '../helpers/fixtures';

/** High availability (HA): instances, zones, resources. */

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
