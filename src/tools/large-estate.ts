import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS } from '../config';
import { DatabaseConfig, EnvironmentConfig, MigrationConfig } from '../config/types';
import { sqlSha256 } from '../migrations/analysis';

export interface LargeEstateShape {
  /** Migrations every database applies (an expand, a backfill and a contract per release, in turn). */
  readonly migrations: number;
  /**
   * Databases per environment: the shipped one and `databases - 1` further ones.
   * @default 1
   */
  readonly databases?: number;
  /**
   * The newest migrations still pending in each database; the older ones are settled.
   * @default - all of them: nothing settled
   */
  readonly pending?: number;
}

/**
 * A generated estate for the benchmark and the scale tests: the shipped environments, each with
 * `databases` databases applying the same `migrations` (tenant databases share one schema, so
 * each SQL file is parsed once however many databases apply it), their SQL written below `root`,
 * and staging's validation records filled in for what is pending.
 */
export function largeEstate(root: string, shape: LargeEstateShape): { environments: EnvironmentConfig[]; migrations: MigrationConfig[]; repoRoot: string } {
  mkdirSync(join(root, 'migrations'), { recursive: true });
  const migrations: MigrationConfig[] = [];
  const sql = new Map<string, string>();
  for (let index = 0; index < shape.migrations; index += 1) {
    const release = `1.${Math.floor(index / 3)}.0`;
    const id = `${String(index).padStart(4, '0')}-step`;
    const column = `c${Math.floor(index / 3)}`;
    const [phase, text] = [
      ['expand', `ALTER TABLE items ADD COLUMN ${column} text;\nCOMMENT ON COLUMN items.${column} IS 'release ${release}';\n`],
      ['migrate', `UPDATE items SET ${column} = name WHERE ${column} IS NULL;\n`],
      ['contract', `ALTER TABLE items DROP COLUMN IF EXISTS old_${column};\n`],
    ][index % 3] as [MigrationConfig['phase'], string];
    const file = `migrations/${id}.sql`;
    // As in a pull request: the SQL of earlier runs is already there.
    if (!existsSync(join(root, file)) || readFileSync(join(root, file), 'utf8') !== text) writeFileSync(join(root, file), text);
    sql.set(id, text);
    migrations.push({
      id,
      release: phase === 'contract' ? `1.${Math.floor(index / 3) + 1}.0` : release,
      phase,
      completes: phase === 'contract' ? migrations[index - 2].id : undefined,
      sql: file,
      rollback: { strategies: phase === 'contract' ? ['pitr'] : ['forward-fix'], steps: 'Restore to the restore point before this migration with PitrRestore, or fix forward.' },
    });
  }
  const applied = migrations.map((migration) => migration.id);
  const pending = applied.slice(applied.length - (shape.pending ?? applied.length));
  const settledThrough = pending.length < applied.length ? applied[applied.length - pending.length - 1] : undefined;
  const migrationsConfig = (env: string, cluster: string) => ({
    applied,
    settledThrough,
    migratorCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: `cnpg/${env}/${cluster}-migrator` },
  });
  const validations = (env: EnvironmentConfig) => (env.name === 'staging'
    ? pending.map((id) => ({ migration: id, sqlSha256: sqlSha256(sql.get(id)!), validatedAt: '2026-11-18T10:00:00Z', clonedOn: env.cloneFrom!.clonedOn }))
    : undefined);
  const environments = ENVIRONMENTS.map((env) => ({
    ...env,
    migrations: migrationsConfig(env.name, env.cluster.name),
    migrationValidations: validations(env),
    databases: Array.from({ length: (shape.databases ?? 1) - 1 }, (_, index): DatabaseConfig => ({
      cluster: { ...env.cluster, name: `tenant-${String(index + 1).padStart(2, '0')}-db` },
      appCredentials: env.appCredentials && { clusterSecretStore: 'platform-secrets', remoteKey: `cnpg/${env.name}/tenant-${index + 1}` },
      migrations: migrationsConfig(env.name, `tenant-${String(index + 1).padStart(2, '0')}-db`),
      migrationValidations: validations(env),
    })),
  }));
  return { environments, migrations, repoRoot: root };
}
