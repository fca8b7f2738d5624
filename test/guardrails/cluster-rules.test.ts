import { JsonPatch } from 'cdk8s';
import { join } from 'node:path';
import { EnvironmentConfig } from '../../src/config/types';
import { Violation } from '../../src/guardrails/engine';
import { committedTree, renderEnvironments } from '../../src/synthesize';
import { estate, idsIn, objectOf, REPO_ROOT, shippedEnvironments, violationsAfter, violationsOf, withEnvironment } from '../helpers/fixtures';

/** Clusters (CLU): names, volumes that never shrink. */

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

/** The committed flux/ of this repository is what Flux applied: the shipped configs rendered. */
const deployedFile = committedTree(join(REPO_ROOT, 'flux'));

function checked(environments: readonly EnvironmentConfig[]): { status: string; violations: readonly Violation[] } {
  const outcome = renderEnvironments({ ...estate(environments), deployedFile });
  return { status: outcome.status, violations: outcome.report.violations };
}
const clu002 = (violations: readonly Violation[]) => violations.filter((violation) => violation.ruleId === 'CLU002')
  .map(({ environment, severity, configField, value, message }) => ({ environment, severity, configField, value, message }));

describe('CLU002: a deployed cluster\'s volumes never shrink', () => {
  test('Noncompliance: production\'s data volume 100Gi → 50Gi, and staging\'s, which takes its source\'s', () => {
    const { status, violations } = checked(withEnvironment('production', (env) => { env.cluster.storageSize = '50Gi'; }));
    expect(status).toBe('guardrails-failed');
    expect(clu002(violations)).toEqual(['production', 'staging'].map((environment) => ({
      environment,
      severity: 'error',
      configField: 'cluster.storageSize',
      value: '50Gi',
      message: 'cluster app-db: its data volume would shrink 100Gi → 50Gi against the committed Flux tree (what Flux applied); CNPG refuses it ("can\'t shrink existing storage from 100Gi to 50Gi")',
    })));
  });

  test('Noncompliance: a WAL volume removed, and one written with another suffix but smaller', () => {
    const removed = clu002(checked(withEnvironment('production', (env) => { delete (env.cluster as { walStorageSize?: string }).walStorageSize; })).violations);
    expect(removed).toContainEqual(expect.objectContaining({
      environment: 'production',
      configField: 'cluster.walStorageSize',
      message: expect.stringContaining('its WAL volume (20Gi) would be removed against the committed Flux tree (what Flux applied); CNPG refuses it ("walStorage cannot be disabled once configured")'),
    }));
    // 20Gi is 21,474,836,480 bytes: 21G (21,000,000,000) is smaller.
    const decimal = clu002(checked(withEnvironment('production', (env) => { env.cluster.walStorageSize = '21G'; })).violations);
    expect(decimal).toContainEqual(expect.objectContaining({ environment: 'production', configField: 'cluster.walStorageSize', value: '21G' }));
  });

  test('Compliance: the same size in other words, a larger volume, a new cluster, or no committed tree to compare with', () => {
    expect(clu002(checked(withEnvironment('production', (env) => { env.cluster.storageSize = `${100 * 2 ** 30}`; })).violations)).toEqual([]);
    expect(clu002(checked(withEnvironment('production', (env) => { env.cluster.storageSize = '200Gi'; })).violations)).toEqual([]);
    expect(clu002(checked(withEnvironment('develop', (env) => { env.cluster.name = 'app-db-2'; env.cluster.storageSize = '1Gi'; })).violations)).toEqual([]);
    const noTree = renderEnvironments(estate(withEnvironment('production', (env) => { env.cluster.storageSize = '50Gi'; })));
    expect(clu002(noTree.report.violations)).toEqual([]);
  });

  test('suppressible with a reason outside production (the cluster is re-created), never in production', () => {
    const develop = renderEnvironments({ ...estate(withEnvironment('develop', (env) => {
      env.cluster.storageSize = '2Gi';
      env.suppressions = [{ id: 'CLU002', reason: 'develop is re-created empty every sprint' }];
    })), deployedFile });
    expect(develop.status).toBe('rendered');
    expect(develop.report.suppressed.map((violation) => violation.ruleId)).toContain('CLU002');
    const production = checked(withEnvironment('production', (env) => {
      env.cluster.storageSize = '50Gi';
      env.suppressions = [{ id: 'CLU002', reason: 'we will re-create the cluster tonight' }];
    }));
    expect(production.violations).toContainEqual(expect.objectContaining({ ruleId: 'GRD001', environment: 'production', message: 'CLU002 cannot be suppressed in production' }));
    expect(clu002(production.violations).map((violation) => violation.environment)).toContain('production');
  });

  test('the shipped configs against their own committed tree: nothing shrinks', () => {
    expect(clu002(checked(shippedEnvironments()).violations)).toEqual([]);
  });
});
