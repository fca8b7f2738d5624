export * from './config/types';
export * from './constructs';
export * from './guardrails/suppressions';
export * from './synthesize';
