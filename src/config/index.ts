import { develop } from './develop';
import { production } from './production';
import { staging } from './staging';
import { EnvironmentConfig } from './types';

/** Every environment this repository renders, in promotion order. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [develop, staging, production];
