/** Shortest reason accepted for silencing a check (a guardrail suppression, a SQL directive), as in cdk-nag. */
export const MINIMUM_REASON_LENGTH = 10;
