/** The plugin's `ObjectStore.spec.retentionPolicy` pattern: days, weeks or months. */
const PATTERN = /^[1-9][0-9]*[dwm]$/;

const DAYS_PER_UNIT = { d: 1, w: 7, m: 30 } as const;

/**
 * A Barman Cloud recovery window, `<n>d`, `<n>w` or `<n>m` (the ObjectStore CRD's pattern
 * `^[1-9][0-9]*[dwm]$`). The only place a retention policy is read: guardrails read a rendered
 * policy through `parse`.
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/retention/
 */
export class RetentionPolicy {
  /** The policy, or `undefined` when it does not match the plugin's pattern. */
  public static parse(policy: string): RetentionPolicy | undefined {
    if (!PATTERN.test(policy)) return undefined;
    const unit = policy.slice(-1) as keyof typeof DAYS_PER_UNIT;
    return new RetentionPolicy(policy, Number(policy.slice(0, -1)) * DAYS_PER_UNIT[unit]);
  }

  private constructor(
    /** The policy as written, e.g. `30d`. */
    public readonly policy: string,
    /** The recovery window in days; a month counts as 30, the shortest reading. */
    public readonly days: number,
  ) {}
}
