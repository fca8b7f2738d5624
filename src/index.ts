export * from './config/types';
export * from './constructs';
export * from './guardrails/guardrails';
export * from './guardrails/suppressions';
export * from './migrations/sql-parser';
export * from './synthesize';
export * from './values/recovery-target';
