import { shippedEnvironments, violationsAfter, violationsOf, withoutShippedWarnings } from '../helpers/fixtures';

/** What the shipped configs and migration history raise: nothing but the warnings they raise on purpose. */
test('the shipped configs violate no guardrail but the warnings they raise on purpose (the backfill, tag-only images)', () => {
  expect(withoutShippedWarnings(violationsOf(shippedEnvironments()))).toEqual([]);
});

test('the example history (expand, migrate, index, contract) raises only its known warning', () => {
  // 0003 backfills every row in one statement: its rows stay locked until it commits (LCK012).
  const violations = violationsAfter(() => undefined);
  expect(new Set(violations.map((violation) => `${violation.ruleId} ${violation.severity} ${violation.configField}`))).toEqual(new Set([
    'LCK012 warning 0003-backfill-email-normalized.sql',
    // Production pins its images by tag only (IMG001 warns: the example cannot know the digest you tested).
    'IMG001 warning cluster.imageName',
    'IMG001 warning migrations.gateImage',
  ]));
});
