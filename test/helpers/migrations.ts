import { ApiObject } from 'cdk8s';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentName, MigrationConfig, MigrationValidationRecord } from '../../src/config/types';
import { sqlSha256 } from '../../src/migrations/analysis';
import { renderEnvironments } from '../../src/synthesize';
import { shippedEnvironments } from './fixtures';

/** A migration for a test: the SQL text instead of a path; everything else defaults to a valid expand. */
export interface TestMigration extends Partial<Omit<MigrationConfig, 'sql' | 'rollback'>> {
  readonly id: string;
  readonly sql: string;
  readonly rollback?: Partial<MigrationConfig['rollback']>;
  readonly downSql?: string;
}

export interface TestEstateOptions {
  /** Migration ids applied per environment. @default every migration, everywhere */
  readonly applied?: Partial<Record<EnvironmentName, string[]>>;
  /** Staging's validation records. @default one valid record per migration */
  readonly validations?: MigrationValidationRecord[];
}

/** The shipped environments, applying these migrations (written to a scratch repository). */
export function migrationEstate(migrations: readonly TestMigration[], options: TestEstateOptions = {}) {
  const repoRoot = mkdtempSync(join(tmpdir(), 'migrations-'));
  // SQL paths must stay below migrations/ (src/config/validate.ts).
  mkdirSync(join(repoRoot, 'migrations'));
  const catalog = migrations.map(({ sql, downSql, rollback, ...rest }): MigrationConfig => {
    writeFileSync(join(repoRoot, `migrations/${rest.id}.sql`), sql);
    if (downSql !== undefined) writeFileSync(join(repoRoot, `migrations/${rest.id}.down.sql`), downSql);
    return {
      release: '1.0.0',
      phase: 'expand',
      ...rest,
      sql: `migrations/${rest.id}.sql`,
      rollback: {
        strategies: ['pitr'],
        steps: 'Restore the cluster to the restore point before this migration with PitrRestore.',
        ...(downSql !== undefined && { downSql: `migrations/${rest.id}.down.sql` }),
        ...rollback,
      },
    };
  });
  const ids = catalog.map((migration) => migration.id);
  const environments = shippedEnvironments().map((env) => ({
    ...env,
    migrations: { ...env.migrations, applied: options.applied?.[env.name] ?? ids },
    migrationValidations: env.name !== 'staging' ? undefined : options.validations ?? migrations.map((migration) => ({
      migration: migration.id,
      sqlSha256: sqlSha256(migration.sql),
      validatedAt: '2026-11-18T10:00:00Z',
      clonedOn: env.cloneFrom!.clonedOn,
    })),
  }));
  return { environments, migrations: catalog, repoRoot };
}

/** Violations of these migrations, or throws with the config errors. */
export function migrationViolations(migrations: readonly TestMigration[], options?: TestEstateOptions) {
  const outcome = renderEnvironments(migrationEstate(migrations, options));
  if (outcome.status === 'invalid-config') throw new Error(`invalid test estate: ${JSON.stringify(outcome.configErrors)}`);
  return outcome.report.violations;
}

/** The rendered object of a kind of migration 0001 in an environment, for escape-hatch overrides. */
export function jobObject(charts: any[], environment: string, kind: string): ApiObject {
  return charts.find((chart) => chart.environment.name === environment && chart.directory.includes('cnpg-migrations'))
    .node.findAll().filter((c: any) => c instanceof ApiObject).find((o: ApiObject) => o.kind === kind && o.name.startsWith('migrate-0001'));
}
