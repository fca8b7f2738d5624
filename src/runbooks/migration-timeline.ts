import { EnvironmentConfig, MigrationConfig, MigrationValidationRecord } from '../config/types';
import { GENERATED_MARKER } from '../flux/tree-writer';

function node(id: string): string {
  return `m${id.replace(/[^a-zA-Z0-9]/g, '_')}`;
}

/**
 * The migration timeline of one environment as a Mermaid flowchart (code hosts render it):
 * releases in order, each migration with its phase, the order they apply in, every contract
 * tied to the expand it completes, and, where a clone validated them, the validation.
 */
export function renderMigrationTimeline(
  env: EnvironmentConfig,
  migrations: readonly MigrationConfig[],
  validations?: { readonly environment: string; readonly records: readonly MigrationValidationRecord[] },
): { path: string; content: string } {
  const catalog = new Map(migrations.map((migration) => [migration.id, migration]));
  const applied = (env.migrations?.applied ?? []).map((id) => catalog.get(id)!).filter(Boolean);
  const releases = [...new Set(applied.map((migration) => migration.release))];
  const lines = [
    `<!-- ${GENERATED_MARKER} from src/config/${env.name}.ts and src/config/migrations.ts. Do not edit: change the config and run \`npm run synth\`. -->`,
    `# Migration timeline: ${env.name}`,
    '',
    'Releases left to right; solid arrows are the order migrations apply in, "completed by" ties a contract to the expand it completes' + (validations ? `, rounded nodes are validations on a clone in ${validations.environment}.` : '.'),
    '',
    '```mermaid',
    'flowchart LR',
  ];
  releases.forEach((release, index) => {
    lines.push(`  subgraph r${index}["release ${release}"]`);
    for (const migration of applied.filter((candidate) => candidate.release === release)) {
      lines.push(`    ${node(migration.id)}["${migration.id}<br/>${migration.phase}"]`);
    }
    lines.push('  end');
  });
  applied.slice(1).forEach((migration, index) => lines.push(`  ${node(applied[index].id)} --> ${node(migration.id)}`));
  for (const migration of applied.filter((candidate) => candidate.completes !== undefined && catalog.has(candidate.completes))) {
    lines.push(`  ${node(migration.completes!)} -. completed by .-> ${node(migration.id)}`);
  }
  for (const record of validations?.records ?? []) {
    if (!applied.some((migration) => migration.id === record.migration)) continue;
    lines.push(`  v${node(record.migration)}(["${validations!.environment} ${record.validatedAt.slice(0, 10)}<br/>clone of ${record.clonedOn}"]) -.-> ${node(record.migration)}`);
  }
  lines.push('```', '');
  return { path: `${env.name}/timeline.md`, content: lines.join('\n') };
}
