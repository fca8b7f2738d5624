import { renderEnvironments } from '../../src/synthesize';
import { SUPPRESSIONS_ANNOTATION } from '../../src/guardrails/suppressions';
import { estate, idsIn, violationsOf, withEnvironment } from '../helpers/fixtures';

const weeklyProduction = (suppressions: { id: string; reason: string }[]) => withEnvironment('production', (env) => {
  env.backup.schedule = '0 0 3 * * SUN';
  env.suppressions = suppressions;
});

test('a suppression with a reason silences the rule and is annotated on every object it covers', () => {
  const outcome = renderEnvironments(estate(weeklyProduction([{ id: 'BKP004', reason: 'weekly full backups, WAL covers the days between (RTO agreed with product)' }])));
  expect(outcome.status).toBe('rendered');
  if (outcome.status !== 'rendered') return;
  expect(idsIn(outcome.report.violations)).not.toContain('BKP004');
  expect(outcome.report.suppressed).toEqual([expect.objectContaining({ ruleId: 'BKP004', environment: 'production', reason: expect.stringMatching(/^weekly full backups/) })]);
  const productionFiles = outcome.files.filter((file) => file.path.includes('cnpg-clusters/production/') && !file.path.endsWith('kustomization.yaml'));
  expect(productionFiles.length).toBeGreaterThan(0);
  for (const file of productionFiles) expect(file.content).toContain(`${SUPPRESSIONS_ANNOTATION}: "BKP004: weekly full backups`);
  expect(outcome.files.filter((file) => file.path.includes('/develop/')).some((file) => file.content.includes(SUPPRESSIONS_ANNOTATION))).toBe(false);
});

describe('GRD001: a suppression names a known rule, gives a reason, and production keeps its locked rules', () => {
  test.each([
    [[{ id: 'BKP004', reason: 'because' }], /suppression of BKP004 needs a reason of at least 10 characters/],
    [[{ id: 'BKP004', reason: '          x' }], /needs a reason of at least 10 characters/],
    [[{ id: 'BKP999', reason: 'a reason long enough' }], /suppression names unknown guardrail "BKP999"/],
    [[{ id: 'WAL001', reason: 'a reason long enough' }], /WAL001 cannot be suppressed in production/],
  ])('Noncompliance: the suppression is %j', (suppressions, message) => {
    const violations = violationsOf(weeklyProduction(suppressions));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'GRD001', environment: 'production', configField: 'suppressions', message: expect.stringMatching(message) }));
    expect(idsIn(violations)).toContain('BKP004');
  });
  test('Compliance: rules that cannot be suppressed in production can be suppressed in develop', () => {
    const environments = withEnvironment('develop', (env) => { env.suppressions = [{ id: 'SEC001', reason: 'scratch cluster, throwaway credentials' }]; });
    expect(idsIn(violationsOf(environments))).not.toContain('GRD001');
  });
});

test('a reason that holds a credential is refused (it would be written into Git), and never echoed', () => {
  const reason = 'weekly is fine, ask ops: token ghp_0123456789abcdefghijABCDEFGHIJ012345';
  const outcome = renderEnvironments(estate(withEnvironment('develop', (env) => {
    env.backup.schedule = '0 0 3 * * SUN';
    env.suppressions = [{ id: 'BKP004', reason }];
  })));
  expect(outcome.status).toBe('guardrails-failed');
  if (outcome.status === 'invalid-config') return;
  expect(outcome.report.violations).toContainEqual(expect.objectContaining({
    ruleId: 'GRD001',
    configField: 'suppressions',
    message: 'the reason of the suppression of BKP004 holds a GitHub token, 40 characters, "gh…45"; reasons are written into the Flux tree, so into Git',
    value: { id: 'BKP004', reason: 'weekly is fine, ask ops: token <redacted: a GitHub token, 40 characters, "gh…45">' },
  }));
  expect(JSON.stringify(outcome.report)).not.toContain('ghp_0123456789');
});

test('a suppressed violation reports its reason with credentials redacted (what the JSON report holds)', () => {
  // SEC001 is suppressible in develop: its own finding and the reason both stay redacted.
  const environments = withEnvironment('develop', (env) => {
    env.cluster.postgresqlParameters = { 'app.api_token': 'Zq8Kx2Lp9Vt4Rw7Ys1Nm3Bc6' };
    env.suppressions = [{ id: 'SEC001', reason: 'scratch cluster, throwaway credentials only' }];
  });
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status === 'invalid-config') throw new Error('valid config expected');
  expect(outcome.report.suppressed).toContainEqual(expect.objectContaining({ ruleId: 'SEC001', value: '<redacted: a credential (app.api_token), 24 characters, "Zq…c6">' }));
  expect(JSON.stringify(outcome.report)).not.toContain('Zq8Kx2Lp9');
});
