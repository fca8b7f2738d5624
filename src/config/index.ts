import { develop } from './develop';
import { MIGRATIONS } from './migrations';
import { production } from './production';
import { staging } from './staging';
import { EnvironmentConfig, MigrationConfig } from './types';

/** Every environment this repository renders, in promotion order. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [develop, staging, production];

export const MIGRATION_CATALOG: readonly MigrationConfig[] = MIGRATIONS;
