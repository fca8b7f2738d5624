import { spawn } from 'node:child_process';
import { S3Server } from './s3';

export interface CommandRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One entry of `barman-cloud-backup-list --format json` (the fields the plugin's catalog reads). */
export interface BarmanBackupInfo {
  /** Barman's id, `YYYYMMDDTHHMMSS`: what the plugin stores in Backup.status.backupId. */
  readonly backup_id: string;
  /** The name given with `--name`, e.g. `backup-20261125095930`. */
  readonly backup_name?: string;
  readonly status: string;
  /** ctime format in the PostgreSQL server's time zone, e.g. `Mon Nov 23 23:33:46 2026`. */
  readonly begin_time: string;
  readonly end_time: string;
}

/** The parts of a rendered ObjectStore's `spec.configuration` and sidecar that barman reads. */
export interface ObjectStoreSpec {
  readonly configuration: {
    readonly destinationPath: string;
    readonly data?: { readonly compression?: string; readonly immediateCheckpoint?: boolean };
    readonly wal?: { readonly compression?: string };
  };
  readonly instanceSidecarConfiguration?: { readonly env?: readonly { readonly name: string; readonly value?: string }[] };
}

/** `argv` run as the test servers' OS user: `postgres` when the tests run as root, else the current one. */
export function asServerUser(argv: readonly string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...argv] : [...argv];
}

/** Quotes a word for sh, unless it is plain (PostgreSQL's %p and %f must stay unquoted). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The Barman Cloud tools (Debian's barman-cli-cloud) run the way the Barman Cloud plugin runs
 * them for one ObjectStore, against a local S3 server instead of the rendered endpoint: the
 * same destinationPath, serverName, compression and sidecar environment, and the flags the
 * plugin builds (cloudnative-pg/barman-cloud pkg/backup, pkg/archiver, pkg/command). Each call
 * runs as the server's OS user with only the variables listed here (no ~/.aws, no instance
 * metadata) and barman's clock in UTC, as in the plugin's container.
 */
export class BarmanCloud {
  constructor(private readonly store: ObjectStoreSpec, private readonly s3: S3Server) {}

  /** The whole environment of every barman call: credentials, region, isolation, sidecar env. */
  private environment(extra: Record<string, string> = {}): string[] {
    const sidecar = Object.fromEntries((this.store.instanceSidecarConfiguration?.env ?? []).map(({ name, value }) => [name, value ?? '']));
    const variables = {
      PATH: '/usr/bin:/bin',
      HOME: '/nonexistent',
      TZ: 'UTC',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      // barman imports distutils; Debian's Python 3.11 still has its own, and this makes setuptools
      // leave it so instead of loading pkg_resources for its copy of the same module: the ~40 calls
      // of the PITR test then take a third less CPU. Nothing barman does depends on which copy.
      SETUPTOOLS_USE_DISTUTILS: 'stdlib',
      ...this.s3.credentials,
      ...sidecar,
      ...extra,
    };
    return Object.entries(variables).map(([name, value]) => `${name}=${value}`);
  }

  /** `env -i <variables> <tool> <cloud options> <args>`: one barman call. */
  private argv(tool: string, args: readonly string[], extra?: Record<string, string>): string[] {
    return ['env', '-i', ...this.environment(extra), tool, '--cloud-provider', 'aws-s3', '--endpoint-url', this.s3.endpoint, ...args];
  }

  private compression(of: 'data' | 'wal'): string[] {
    const compression = this.store.configuration[of]?.compression;
    return compression ? [`--${compression}`] : [];
  }

  /** PostgreSQL's `archive_command` archiving into `serverName`'s folder. */
  archiveCommand(serverName: string): string {
    return this.argv('barman-cloud-wal-archive', [...this.compression('wal'), this.store.configuration.destinationPath, serverName, '%p']).map(shellWord).join(' ');
  }

  /** PostgreSQL's `restore_command` reading `serverName`'s folder. */
  restoreCommand(serverName: string): string {
    return this.argv('barman-cloud-wal-restore', [this.store.configuration.destinationPath, serverName, '%f', '%p']).map(shellWord).join(' ');
  }

  /** A base backup of the server on `port`, named as the plugin names it. */
  backup(serverName: string, name: string, port: number): Promise<CommandRun> {
    const options = ['--user', 'postgres', '--name', name, ...this.compression('data'), ...(this.store.configuration.data?.immediateCheckpoint ? ['--immediate-checkpoint'] : [])];
    return this.run(this.argv('barman-cloud-backup', [...options, this.store.configuration.destinationPath, serverName], { PGHOST: '127.0.0.1', PGPORT: String(port), PGPASSWORD: 'postgres' }), 180_000);
  }

  /** The backups in `serverName`'s folder, as the plugin's catalog reads them. */
  async backupList(serverName: string): Promise<BarmanBackupInfo[]> {
    const list = await this.run(this.argv('barman-cloud-backup-list', ['--format', 'json', this.store.configuration.destinationPath, serverName]), 60_000);
    if (list.status !== 0) throw new Error(`barman-cloud-backup-list failed: ${list.stderr}`);
    return JSON.parse(list.stdout).backups_list;
  }

  /** Restores base backup `backupId` of `serverName` into `dataDirectory`. */
  restore(serverName: string, backupId: string, dataDirectory: string): Promise<CommandRun> {
    return this.run(this.argv('barman-cloud-restore', [this.store.configuration.destinationPath, serverName, backupId, dataDirectory]), 180_000);
  }

  /** What the plugin runs before a cluster archives into `serverName`: refuses a folder that holds WAL. */
  checkWalArchive(serverName: string): Promise<CommandRun> {
    return this.run(this.argv('barman-cloud-check-wal-archive', [this.store.configuration.destinationPath, serverName]), 60_000);
  }

  /** Runs a command as postgres in its own process group, killed (that group only) after `timeoutMs`. */
  private run(argv: readonly string[], timeoutMs: number): Promise<CommandRun> {
    const [command, ...args] = asServerUser(argv);
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs / 1000} s)`;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    return new Promise((resolve, reject) => {
      child.on('error', (error) => { clearTimeout(timer); reject(error); });
      child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
    });
  }
}
