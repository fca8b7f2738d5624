import { JsonPatch } from 'cdk8s';
import { idsIn, objectOf, violationsAfter, violationsOf, withEnvironment } from '../helpers/fixtures';

/** Clusters (CLU): names. */
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
