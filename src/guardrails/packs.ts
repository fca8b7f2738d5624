import { EnvironmentName } from '../config/types';
import { PackParameters } from './rule';

export type Severity = 'error' | 'warning' | 'off';

/** How strict each environment is: one row per rule, environments side by side. */
const SEVERITIES: Readonly<Record<string, readonly [develop: Severity, staging: Severity, production: Severity]>> = {
  //          develop    staging    production
  BKP001: ['error', 'error', 'error'],
  BKP002: ['error', 'error', 'error'],
  BKP003: ['error', 'error', 'error'],
  BKP004: ['warning', 'warning', 'error'],
  BKP005: ['error', 'error', 'error'],
  BKP006: ['error', 'error', 'error'],
  BKP007: ['error', 'error', 'error'],
  CLU001: ['error', 'error', 'error'],
  CLU002: ['error', 'error', 'error'],
  DEL001: ['off', 'off', 'error'],
  FLX001: ['error', 'error', 'error'],
  HA001: ['error', 'error', 'error'],
  HA002: ['off', 'off', 'error'],
  HA003: ['off', 'warning', 'error'],
  IMG001: ['off', 'off', 'warning'],
  LCK001: ['warning', 'warning', 'warning'],
  LCK002: ['warning', 'warning', 'warning'],
  LCK003: ['warning', 'warning', 'warning'],
  LCK004: ['warning', 'warning', 'warning'],
  LCK005: ['warning', 'warning', 'warning'],
  LCK006: ['warning', 'warning', 'warning'],
  LCK007: ['warning', 'warning', 'warning'],
  LCK008: ['warning', 'warning', 'warning'],
  LCK009: ['warning', 'warning', 'warning'],
  LCK010: ['warning', 'warning', 'warning'],
  LCK011: ['warning', 'warning', 'warning'],
  LCK012: ['warning', 'warning', 'warning'],
  MIG001: ['error', 'error', 'error'],
  MIG002: ['error', 'error', 'error'],
  MIG003: ['error', 'error', 'error'],
  MIG004: ['error', 'error', 'error'],
  MIG005: ['error', 'error', 'error'],
  MIG006: ['off', 'off', 'error'],
  MIG007: ['error', 'error', 'error'],
  MIG008: ['warning', 'warning', 'warning'],
  MIG009: ['warning', 'warning', 'warning'],
  MIG010: ['error', 'error', 'error'],
  MIG011: ['warning', 'warning', 'warning'],
  OBJ001: ['error', 'error', 'error'],
  RCV001: ['error', 'error', 'error'],
  RCV002: ['error', 'error', 'error'],
  RST001: ['error', 'error', 'error'],
  RST002: ['error', 'error', 'error'],
  RST003: ['warning', 'warning', 'warning'],
  SEC001: ['error', 'error', 'error'],
  SEC002: ['off', 'off', 'error'],
  SEC003: ['warning', 'warning', 'error'],
  WAL001: ['error', 'error', 'error'],
  WAL002: ['error', 'error', 'error'],
  WAL003: ['error', 'error', 'error'],
};

const PARAMETERS: Readonly<Record<EnvironmentName, PackParameters>> = {
  develop: { minimumRetentionDays: 7, maximumBackupIntervalHours: 168, minimumBackupIntervalHours: 1, minimumInstances: 1 },
  staging: { minimumRetentionDays: 7, maximumBackupIntervalHours: 24, minimumBackupIntervalHours: 1, minimumInstances: 2 },
  production: { minimumRetentionDays: 30, maximumBackupIntervalHours: 24, minimumBackupIntervalHours: 1, minimumInstances: 3 },
};

/** Rules that protect recoverability and secrets, and a deployed cluster (CLU002): no suppression is accepted for them in production. */
export const UNSUPPRESSIBLE_IN_PRODUCTION: readonly string[] = ['BKP005', 'CLU002', 'MIG001', 'MIG002', 'MIG005', 'MIG006', 'MIG007', 'RST001', 'SEC001', 'WAL001', 'WAL002', 'WAL003'];

const COLUMN: Readonly<Record<EnvironmentName, 0 | 1 | 2>> = { develop: 0, staging: 1, production: 2 };

/** The severity of a rule in an environment; rules missing from the table are errors. */
export function severityOf(ruleId: string, environment: EnvironmentName): Severity {
  return SEVERITIES[ruleId]?.[COLUMN[environment]] ?? 'error';
}

export function parametersOf(environment: EnvironmentName): PackParameters {
  return PARAMETERS[environment];
}

/** Rule ids the pack table lists, for the docs index and the catalog meta-test. */
export function packedRuleIds(): string[] {
  return Object.keys(SEVERITIES);
}
