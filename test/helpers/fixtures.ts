import { ApiObject, App } from 'cdk8s';
import { ENVIRONMENTS, MIGRATION_CATALOG } from '../../src/config';
import { EnvironmentConfig, EnvironmentName, MigrationConfig } from '../../src/config/types';
import { FluxChart } from '../../src/flux/flux-chart';
import { Violation } from '../../src/guardrails/engine';
import { buildApp, Estate, evaluateApp, renderEnvironments } from '../../src/synthesize';
import { join } from 'node:path';

/** The repository root, which the catalog's SQL paths are relative to. */
export const REPO_ROOT = join(__dirname, '../..');

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** A deep, writable copy of the shipped develop, staging and production configs. */
export function shippedEnvironments(): Mutable<EnvironmentConfig>[] {
  return structuredClone(ENVIRONMENTS) as Mutable<EnvironmentConfig>[];
}

/** The shipped configs with one environment changed. */
export function withEnvironment(name: EnvironmentName, change: (env: Mutable<EnvironmentConfig>) => void): EnvironmentConfig[] {
  const environments = shippedEnvironments();
  change(environments.find((env) => env.name === name)!);
  return environments;
}

/** The shipped configs, each environment with a further database, `billing-db`, applying the same migrations. */
export function withBillingDb(): Mutable<EnvironmentConfig>[] {
  const environments = shippedEnvironments();
  for (const env of environments) {
    env.databases = [{
      cluster: { ...env.cluster, name: 'billing-db' },
      appCredentials: env.appCredentials && { clusterSecretStore: 'platform-secrets', remoteKey: `cnpg/${env.name}/billing-db` },
      migrations: { ...env.migrations!, migratorCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: `cnpg/${env.name}/billing-db-migrator` } },
      migrationValidations: env.migrationValidations && [...env.migrationValidations],
    }];
  }
  return environments;
}

/** A deep, writable copy of the shipped migration catalog. */
export function shippedMigrations(): Mutable<MigrationConfig>[] {
  return structuredClone(MIGRATION_CATALOG) as Mutable<MigrationConfig>[];
}

/** The shipped estate (or one with other environments or migrations), ready for buildApp. */
export function estate(environments: readonly unknown[] = ENVIRONMENTS, migrations: readonly unknown[] = MIGRATION_CATALOG): Estate {
  return { environments, migrations, repoRoot: REPO_ROOT } as Estate;
}

/**
 * The violations but the warnings the shipped estate raises on purpose: 0003 backfills every row
 * of users in one statement, so its rows stay locked until it commits (LCK012; docs/guardrails/LCK012.md
 * shows the batched form), and production's images are pinned by tag only (IMG001: the example
 * cannot know the digest you tested).
 */
export function withoutShippedWarnings(violations: readonly Violation[]): Violation[] {
  return violations.filter((violation) => !(violation.ruleId === 'LCK012' && violation.configField === '0003-backfill-email-normalized.sql')
    && !(violation.ruleId === 'IMG001' && violation.environment === 'production' && violation.severity === 'warning'));
}

/** Every violation (errors and warnings) the guardrails report for these configs. */
export function violationsOf(environments: readonly unknown[], migrations: readonly unknown[] = MIGRATION_CATALOG): readonly Violation[] {
  const outcome = renderEnvironments(estate(environments, migrations));
  if (outcome.status === 'invalid-config') {
    throw new Error(`fixture config is invalid: ${JSON.stringify(outcome.configErrors)}`);
  }
  return outcome.report.violations;
}

/** Violations after changing the built app (an escape-hatch override), before rendering. */
export function violationsAfter(patch: (charts: FluxChart[], app: App) => void, environments: readonly EnvironmentConfig[] = ENVIRONMENTS): readonly Violation[] {
  const { app, charts } = buildApp(estate(environments));
  patch(charts, app);
  return evaluateApp(app, charts).report.violations;
}

/** The one chart of an environment's database directory. */
export function databaseChart(charts: FluxChart[], environment: EnvironmentName): FluxChart {
  return charts.find((chart) => chart.environment.name === environment && chart.directory.includes('cnpg-clusters'))!;
}

/** The rendered object of a kind in an environment's database chart, for escape-hatch overrides. */
export function objectOf(charts: FluxChart[], environment: EnvironmentName, kind: string, name?: string): ApiObject {
  return databaseChart(charts, environment).node.findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .find((o) => o.kind === kind && (name === undefined || o.name === name))!;
}

export function idsIn(violations: readonly Violation[], environment?: EnvironmentName): string[] {
  return violations.filter((v) => environment === undefined || v.environment === environment).map((v) => v.ruleId);
}
