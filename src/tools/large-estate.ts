import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS } from '../config';
import { EnvironmentConfig, MigrationConfig } from '../config/types';
import { sqlSha256 } from '../migrations/analysis';

/**
 * A generated estate for the benchmark and the scale tests: the shipped environments, each
 * applying `count` migrations (an expand, a backfill and a contract per release, in turn), with
 * their SQL written below `root` and staging's validation records filled in.
 */
export function largeEstate(root: string, count: number): { environments: EnvironmentConfig[]; migrations: MigrationConfig[]; repoRoot: string } {
  mkdirSync(join(root, 'migrations'), { recursive: true });
  const migrations: MigrationConfig[] = [];
  const sql = new Map<string, string>();
  for (let index = 0; index < count; index += 1) {
    const release = `1.${Math.floor(index / 3)}.0`;
    const id = `${String(index).padStart(4, '0')}-step`;
    const column = `c${Math.floor(index / 3)}`;
    const [phase, text] = [
      ['expand', `ALTER TABLE items ADD COLUMN ${column} text;\nCOMMENT ON COLUMN items.${column} IS 'release ${release}';\n`],
      ['migrate', `UPDATE items SET ${column} = name WHERE ${column} IS NULL;\n`],
      ['contract', `ALTER TABLE items DROP COLUMN IF EXISTS old_${column};\n`],
    ][index % 3] as [MigrationConfig['phase'], string];
    const file = `migrations/${id}.sql`;
    writeFileSync(join(root, file), text);
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
  const environments = ENVIRONMENTS.map((env) => ({
    ...env,
    migrations: { applied },
    migrationValidations: env.name === 'staging'
      ? migrations.map((migration) => ({ migration: migration.id, sqlSha256: sqlSha256(sql.get(migration.id)!), validatedAt: '2026-11-18T10:00:00Z', clonedOn: env.cloneFrom!.clonedOn }))
      : undefined,
  }));
  return { environments, migrations, repoRoot: root };
}
