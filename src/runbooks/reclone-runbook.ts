import { EnvironmentDatabase } from '../config/databases';
import { CnpgCluster } from '../constructs/cnpg-cluster';
import { databaseFolder, STAGES, stageName } from '../flux/layout';
import { GENERATED_MARKER } from '../flux/tree-writer';
import { API_RESOURCES, DELETION_REASON_ANNOTATION } from '../names';
import { command } from './shell';

export interface RecloneRunbookProps {
  /** The cloning database (its environment has `cloneFrom`). */
  readonly environment: EnvironmentDatabase;
  /** Its cluster. */
  readonly cluster: CnpgCluster;
  /** The Flux stages of its migrations: `cnpg-migrations`, then each `cnpg-migration-<id>`; none without migrations. */
  readonly migrationStages: readonly string[];
  /** Name of the Backup the new clone takes of itself as soon as it is ready. */
  readonly baseBackupName: string;
}

/** The re-clone runbook's file name in its database's runbook folder. */
export const RECLONE_RUNBOOK = 'reclone.md';

/**
 * The re-clone runbook of one cloning database: how to replace the running clone by a new one
 * from the source's latest WAL, into a new, empty archive folder, without the running clone ever
 * archiving into that folder, then retire the old folder. CNPG bootstraps a cluster only when it
 * is created and the archive folder is a live setting of the running one, so Flux is paused for
 * the database while its Cluster is replaced.
 */
export function renderRecloneRunbook(props: RecloneRunbookProps): { path: string; content: string } {
  const { environment: env, cluster } = props;
  const clone = env.cloneFrom!;
  const ns = cluster.namespace;
  const file = `src/config/${env.name}.ts`;
  const root = env.flux?.sourceName ?? 'flux-system';
  const clusters = stageName(STAGES.clusters, env);
  const migrations = props.migrationStages;
  const folder = `${cluster.objectStore.destinationPath.replace(/\/*$/, '/')}${cluster.serverName}/`;
  const endpoint = cluster.objectStore.endpointURL === undefined ? [] : ['--endpoint-url', cluster.objectStore.endpointURL];
  const flux = (verb: string, ...names: string[]) => command('flux', verb, 'kustomization', ...names);
  const kubectl = (...words: string[]) => command('kubectl', '-n', ns, ...words);
  const lines = [
    `<!-- ${GENERATED_MARKER} from ${file}. Do not edit: change the config and run \`npm run synth\`. -->`,
    `# Re-clone \`${cluster.name}\` in ${env.name} from ${clone.environment}`,
    '',
    `\`${cluster.name}\` is a clone of ${clone.environment}, bootstrapped on ${clone.clonedOn}; it archives into \`${folder}\`. A re-clone replaces it by a new cluster recovered from ${clone.environment}'s latest WAL, archiving into a new, empty folder named after the new date. CNPG bootstraps a cluster only when it is created, and the archive folder is a live setting of the running cluster: were the new date applied to it, it would start archiving into the folder the new clone must find empty ("Expected empty archive"). So Flux is paused for this database while its Cluster is replaced. Note the folder above: step 5 retires it.`,
    '',
    '## 1. Pause Flux for this database',
    '',
    'The cluster stage must not apply the new date to the running clone, and the migration stages must not re-create Jobs while there is no cluster:',
    '',
    '```sh',
    flux('suspend', clusters, ...migrations),
    '```',
    '',
    `## 2. Set the new clone date in \`${file}\``,
    '',
    `Set \`cloneFrom.clonedOn\` to today (\`YYYY-MM-DD\`); \`npm run plan\` reads "re-clone". Then:`,
    '',
    '```sh',
    'npm run synth',
    command('git', 'add', 'src/config', 'flux', 'docs/runbooks'),
    command('git', 'commit', '-m', `Re-clone ${env.name} ${cluster.name} from ${clone.environment}`),
    'git push',
    command('flux', 'reconcile', 'source', 'git', root),
    '```',
    '',
    '## 3. Delete the running clone',
    '',
    `Its migration Jobs and the Backups they took go with it: the Cluster owns them.`,
    '',
    '```sh',
    kubectl('annotate', API_RESOURCES.Cluster, cluster.name, `${DELETION_REASON_ANNOTATION}=re-clone of ${env.name} from ${clone.environment}`, '--overwrite'),
    kubectl('delete', API_RESOURCES.Cluster, cluster.name, '--wait=true'),
    '```',
    '',
    '## 4. Resume: the new clone first, then its migrations',
    '',
    `The stage \`${clusters}\` creates the cluster from ${clone.environment}'s archive into its new folder, and is Ready once the clone is and its first base backup (\`${props.baseBackupName.replace(clone.clonedOn.replaceAll('-', ''), '<new date>')}\`) completed. Then the migration stages re-create the Jobs in order: a migration ${clone.environment}'s ledger already holds is a no-op; the others apply again.`,
    '',
    '```sh',
    flux('resume', clusters),
    command('kubectl', '-n', 'flux-system', 'wait', `kustomization/${clusters}`, '--for=condition=ready', '--timeout=6h'),
    ...(migrations.length === 0 ? [] : [
      flux('resume', ...migrations),
      command('kubectl', '-n', 'flux-system', 'wait', `kustomization/${migrations[0]}`, '--for=condition=ready', '--timeout=6h'),
    ]),
    '```',
    '',
    'Each migration that ran prints its validation record for `migrationValidations` again, with the new clone date.',
    '',
    '## 5. Retire the old folder',
    '',
    `Nothing archives into \`${folder}\` any more and no retention policy runs on it. Once the new clone's first base backup completed, delete the old folder and the record of its first base backup:`,
    '',
    '```sh',
    command('aws', 's3', 'rm', '--recursive', folder, ...endpoint),
    kubectl('delete', API_RESOURCES.Backup, props.baseBackupName, '--ignore-not-found'),
    '```',
    '',
    `The command uses the AWS CLI with the object store's credentials; any S3 client does (\`rclone purge\`, \`mc rm --recursive\`).`,
    '',
  ];
  return { path: `${databaseFolder(env)}/${RECLONE_RUNBOOK}`, content: lines.join('\n') };
}
