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
