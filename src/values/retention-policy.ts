/** The plugin's `ObjectStore.spec.retentionPolicy` pattern: days, weeks or months. */
export const RETENTION_POLICY_PATTERN = /^[1-9][0-9]*[dwm]$/;

const DAYS_PER_UNIT = { d: 1, w: 7, m: 30 } as const;

/**
 * The recovery window of a retention policy in days (a month counts as 30 days, the
 * shortest reading), or `undefined` when the policy does not match the pattern.
 */
export function retentionDays(policy: string): number | undefined {
  if (!RETENTION_POLICY_PATTERN.test(policy)) return undefined;
  const unit = policy.slice(-1) as keyof typeof DAYS_PER_UNIT;
  return Number(policy.slice(0, -1)) * DAYS_PER_UNIT[unit];
}
