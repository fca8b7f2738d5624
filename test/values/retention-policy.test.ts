import { RetentionPolicy } from '../../src/values/retention-policy';

test.each([
  ['7d', 7],
  ['2w', 14],
  ['1m', 30],
  ['365d', 365],
])('%s keeps %d days', (policy, days) => {
  expect(RetentionPolicy.parse(policy)).toEqual(expect.objectContaining({ policy, days }));
});

describe('fails when', () => {
  // What the ObjectStore CRD's pattern ^[1-9][0-9]*[dwm]$ refuses.
  test.each(['30 days', '0d', '07d', '1y', '7D', ' 7d', '7d ', 'd', ''])('the policy is %j', (policy) => {
    expect(RetentionPolicy.parse(policy)).toBeUndefined();
  });
});
