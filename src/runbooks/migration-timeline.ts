import { EnvironmentDatabase, pendingMigrations } from '../config/databases';
import { databaseFolder } from '../flux/layout';
import { MigrationConfig, MigrationValidationRecord } from '../config/types';
import { GENERATED_MARKER } from '../flux/tree-writer';

function node(id: string): string {
  return `m${id.replace(/[^a-zA-Z0-9]/g, '_')}`;
}

/**
 * The migration timeline of one database as a Mermaid flowchart (code hosts render it):
 * releases in order, each migration with its phase, the order they apply in, every contract
 * tied to the expand it completes, and, where a clone validated them, the validation. Settled
 * migrations fold into one node, so years of history stay readable.
 */
export function renderMigrationTimeline(
  env: EnvironmentDatabase,
  migrations: readonly MigrationConfig[],
  validations?: { readonly environment: string; readonly records: readonly MigrationValidationRecord[] },
): { path: string; content: string } {
  const catalog = new Map(migrations.map((migration) => [migration.id, migration]));
  const applied = pendingMigrations(env).map((id) => catalog.get(id)!).filter(Boolean);
  const settledThrough = env.migrations?.settledThrough;
  const releases = [...new Set(applied.map((migration) => migration.release))];
  const lines = [
    `<!-- ${GENERATED_MARKER} from src/config/${env.name}.ts and src/config/migrations.ts. Do not edit: change the config and run \`npm run synth\`. -->`,
    `# Migration timeline: ${env.qualifier ? `${env.qualifier} in ${env.name}` : env.name}`,
    '',
    'Releases left to right; solid arrows are the order migrations apply in, "completed by" ties a contract to the expand it completes' + (validations ? `, rounded nodes are validations on a clone in ${validations.environment}.` : '.'),
    '',
    '```mermaid',
    'flowchart LR',
  ];
  if (settledThrough !== undefined) {
    const settled = env.migrations!.applied.indexOf(settledThrough) + 1;
    lines.push(`  settled[["${settled} settled migration(s)<br/>through ${settledThrough}"]]`);
    if (applied.length > 0) lines.push(`  settled --> ${node(applied[0].id)}`);
  }
  releases.forEach((release, index) => {
    lines.push(`  subgraph r${index}["release ${release}"]`);
    for (const migration of applied.filter((candidate) => candidate.release === release)) {
      lines.push(`    ${node(migration.id)}["${migration.id}<br/>${migration.phase}"]`);
    }
    lines.push('  end');
  });
  applied.slice(1).forEach((migration, index) => lines.push(`  ${node(applied[index].id)} --> ${node(migration.id)}`));
  const shown = new Set(applied.map((migration) => migration.id));
  for (const migration of applied.filter((candidate) => candidate.completes !== undefined && catalog.has(candidate.completes))) {
    lines.push(`  ${shown.has(migration.completes!) ? node(migration.completes!) : 'settled'} -. completed by .-> ${node(migration.id)}`);
  }
  for (const record of validations?.records ?? []) {
    if (!applied.some((migration) => migration.id === record.migration)) continue;
    lines.push(`  v${node(record.migration)}(["${validations!.environment} ${record.validatedAt.slice(0, 10)}<br/>clone of ${record.clonedOn}"]) -.-> ${node(record.migration)}`);
  }
  lines.push('```', '');
  return { path: `${databaseFolder(env)}/timeline.md`, content: lines.join('\n') };
}
