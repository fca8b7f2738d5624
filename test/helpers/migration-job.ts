import { ApiObject } from 'cdk8s';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CnpgCluster } from '../../src/constructs/cnpg-cluster';
import { GuardedMigrationJob } from '../../src/constructs/guarded-migration-job';
import { TestServer } from './postgres';

/**
 * Runs the containers of rendered migration Jobs for real: dash, the psql client and a
 * PostgreSQL 18 server, with the scripts and the environment the Job renders. Only the
 * connection (the local server, no TLS: it has no certificate) and the paths of the mounted
 * volumes are swapped. The gate needs a Kubernetes API, which does not exist here: its outputs
 * (the backup id and stop time) are written as it would write them (test/migrations/gate.test.ts
 * runs the gate itself against a stand-in kubectl).
 */
export interface ContainerRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface JobRun {
  readonly ledger: ContainerRun;
  /** The migrate container, unless the ledger refused. */
  readonly migrate?: ContainerRun;
  /** What the ledger decided: `applied`, `pending`, or nothing when it refused. */
  readonly state?: string;
  /** The termination message: the checkpoint record. */
  readonly termination: string;
}

export interface JobRunOptions {
  /** Environment variables to change, e.g. a shorter WAIT_TIMEOUT_SECONDS. */
  readonly env?: Record<string, string>;
  /** Replaces the migration's SQL (for failure cases). */
  readonly sql?: string;
  /** The database to run in. @default 'app' */
  readonly database?: string;
}

/** The objects of a rendered migration, by kind. */
function manifests(job: GuardedMigrationJob): Record<string, any> {
  const objects = job.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
  return Object.fromEntries(objects.map((object) => [object.kind, object]));
}

/** The literal environment of one of the Job's containers (secrets are the migrator's, set by the runner). */
export function containerEnv(job: GuardedMigrationJob, name: string): Record<string, string> {
  const pod = manifests(job).Job.spec.template.spec;
  const container = [...pod.initContainers, ...pod.containers].find((candidate: any) => candidate.name === name);
  return Object.fromEntries(container.env.filter((v: any) => v.value !== undefined).map((v: any) => [v.name, v.value]));
}

export class MigrationJobRunner {
  constructor(private readonly server: TestServer, private readonly migratorPassword: string) {}

  /** Creates a database like a CNPG initdb with a migrator: the owner, the database, then the cluster's bootstrap SQL as superuser. */
  createDatabase(cluster: CnpgCluster, database = cluster.database): void {
    const spec = (cluster.node.findChild('Resource') as ApiObject).toJson().spec;
    this.server.psql(`DO $$ BEGIN CREATE ROLE ${cluster.owner} LOGIN PASSWORD '${cluster.owner}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    this.server.psql(`CREATE DATABASE ${database} OWNER ${cluster.owner}`);
    for (const statement of spec.bootstrap.initdb.postInitApplicationSQL) {
      this.server.psql(statement.startsWith('CREATE ROLE') ? `DO $$ BEGIN ${statement}; EXCEPTION WHEN duplicate_object THEN NULL; END $$` : statement, { database });
    }
    // CNPG sets the password from the managed role's Secret.
    this.server.psql(`ALTER ROLE ${cluster.migratorRole} PASSWORD '${this.migratorPassword}'`);
  }

  private environment(job: GuardedMigrationJob, container: string, dir: string, options: JobRunOptions): Record<string, string> {
    return {
      ...containerEnv(job, container),
      ...this.server.env,
      PGDATABASE: options.database ?? job.cluster.database,
      PGUSER: job.cluster.migratorRole!,
      PGPASSWORD: this.migratorPassword,
      HOME: dir,
      CHECKPOINT_DIR: dir,
      SCRIPTS_DIR: dir,
      SQL_FILE: join(dir, 'up.sql'),
      TERMINATION_LOG: join(dir, 'termination-log'),
      // A failed test must not leave the next one waiting the Job's half hour for its predecessor.
      WAIT_TIMEOUT_SECONDS: '10',
      LOCK_WAIT_SECONDS: '10',
      POLL_SECONDS: '1',
      ...options.env,
    };
  }

  /** A directory with the Job's scripts and SQL, as the pod mounts them. */
  prepare(job: GuardedMigrationJob, options: JobRunOptions = {}): string {
    const dir = mkdtempSync(join(tmpdir(), 'job-'));
    const mounted = manifests(job).Job.spec.template.spec.volumes.find((volume: any) => volume.name === 'scripts').configMap.name;
    const scripts = job.node.root.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'ConfigMap' && c.name === mounted)!;
    for (const [name, content] of Object.entries(scripts.toJson().data as Record<string, string>)) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'up.sql'), options.sql ?? manifests(job).ConfigMap.data['up.sql']);
    return dir;
  }

  /** Runs the ledger check, then (what the gate writes) and the migrate container, as the pod would. */
  run(job: GuardedMigrationJob, options: JobRunOptions = {}): JobRun {
    const dir = this.prepare(job, options);
    const ledger = this.container(job, 'ledger', dir, ['ledger.sh'], options);
    const state = read(join(dir, 'state'))?.trim();
    if (ledger.status !== 0) return { ledger, state, termination: '' };
    writeGateOutputs(dir);
    const migrate = this.container(job, 'migrate', dir, ['run.sh', 'all'], options);
    return { ledger, migrate, state, termination: read(join(dir, 'termination-log')) ?? '' };
  }

  /** One container's script, synchronously. */
  container(job: GuardedMigrationJob, container: string, dir: string, command: string[], options: JobRunOptions = {}): ContainerRun {
    const result = spawnSync('/bin/sh', [join(dir, command[0]), ...command.slice(1)], { encoding: 'utf8', env: this.environment(job, container, dir, options) });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** The migrate container in the background, on a prepared directory whose ledger check passed. */
  startMigrate(job: GuardedMigrationJob, dir: string, options: JobRunOptions = {}): Promise<ContainerRun> {
    writeGateOutputs(dir);
    const child = spawn('/bin/sh', [join(dir, 'run.sh'), 'all'], { env: this.environment(job, 'migrate', dir, options) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  }
}

/** The Backup the gate takes is named after the Job's pod. */
export const GATE_BACKUP_NAME = 'migrate-0001-create-users-f4b54c81-x7k2p';

/** What the gate writes once the pre-migration Backup completed. */
export function writeGateOutputs(dir: string): void {
  writeFileSync(join(dir, 'backup-name'), `${GATE_BACKUP_NAME}\n`);
  writeFileSync(join(dir, 'backup-id'), '20261123T100000\n');
  writeFileSync(join(dir, 'backup-stopped-at'), '2026-11-23T10:00:00Z\n');
}

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}
