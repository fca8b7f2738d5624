import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startPostgres } from '../helpers/postgres';

/** The run's temporary directory (test/helpers/global-setup.js and global-teardown.js). */
const setup: () => Promise<void> = require('../helpers/global-setup.js');
const teardown: () => Promise<void> = require('../helpers/global-teardown.js');

test('this run\'s files go to the run\'s own directory, which jest made before the workers started', () => {
  const root = process.env.CNPG_GITOPS_TEST_TMPDIR!;
  expect(root).toMatch(/\/cnpg-gitops-tests-[^/]+$/);
  expect(tmpdir()).toBe(root);
  expect(Number(readFileSync(join(root, 'jest.pid'), 'utf8'))).toBeGreaterThan(0);
  // Children see it too: a server's or a checkout's files land there.
  expect(spawnSync('sh', ['-c', 'echo "$TMPDIR"'], { encoding: 'utf8' }).stdout.trim()).toBe(root);
  // And jest runs the two around every run (once each: npm test, jest --watch).
  const config = require('../../jest.config.js');
  expect([config.globalSetup, config.globalTeardown]).toEqual(['<rootDir>/test/helpers/global-setup.js', '<rootDir>/test/helpers/global-teardown.js']);
});

test('a test server opens no Unix socket and keeps its shared memory in its data directory: killed, it leaves nothing outside the run\'s directory', async () => {
  const server = await startPostgres();
  try {
    expect(server.base.startsWith(`${tmpdir()}/`)).toBe(true);
    expect(server.psql("SELECT current_setting('unix_socket_directories') || '|' || current_setting('dynamic_shared_memory_type')")).toBe('|mmap');
    expect(existsSync(`/tmp/.s.PGSQL.${server.port}`)).toBe(false);
  } finally {
    await server.stop();
  }
});

describe('a run\'s setup and teardown', () => {
  const saved = { TMPDIR: process.env.TMPDIR, CNPG_GITOPS_TEST_TMPDIR: process.env.CNPG_GITOPS_TEST_TMPDIR };
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'temp-parent-'));
  });
  afterEach(() => {
    Object.assign(process.env, saved);
    rmSync(parent, { recursive: true, force: true });
  });

  /** A directory as a run with `pid` left it. */
  function leftBy(pid: number | undefined): string {
    const root = mkdtempSync(join(parent, 'cnpg-gitops-tests-'));
    mkdirSync(join(root, 'pg-1'));
    if (pid !== undefined) writeFileSync(join(root, 'jest.pid'), String(pid));
    return root;
  }

  test('makes a directory below TMPDIR that the servers\' user can enter, and teardown removes it whole', async () => {
    process.env.TMPDIR = parent;
    await setup();
    const root = process.env.CNPG_GITOPS_TEST_TMPDIR!;
    expect(process.env.TMPDIR).toBe(root);
    expect(root.startsWith(join(parent, 'cnpg-gitops-tests-'))).toBe(true);
    expect(statSync(root).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(root, 'jest.pid'), 'utf8')).toBe(String(process.pid));
    writeFileSync(join(root, 'left-by-a-test'), '');
    await teardown();
    expect(existsSync(root)).toBe(false);
  });

  test('removes what a killed run left once its process is gone; never a running one\'s, nor a directory it cannot attribute', async () => {
    const gone = spawnSync('true').pid!;
    const abandoned = leftBy(gone);
    const running = leftBy(process.pid);
    const unattributed = leftBy(undefined);
    process.env.TMPDIR = parent;
    await setup();
    expect({ abandoned: existsSync(abandoned), running: existsSync(running), unattributed: existsSync(unattributed) })
      .toEqual({ abandoned: false, running: true, unattributed: true });
    await teardown();
  });

  test('teardown puts TMPDIR back, so that the next run in the same process (jest --watch) starts where the first did', async () => {
    process.env.TMPDIR = parent;
    await setup();
    const first = process.env.CNPG_GITOPS_TEST_TMPDIR!;
    await teardown();
    expect([process.env.TMPDIR, process.env.CNPG_GITOPS_TEST_TMPDIR]).toEqual([parent, saved.CNPG_GITOPS_TEST_TMPDIR]);
    await setup();
    const second = process.env.CNPG_GITOPS_TEST_TMPDIR!;
    expect(second).not.toBe(first);
    expect(second.startsWith(join(parent, 'cnpg-gitops-tests-'))).toBe(true);
    await teardown();
  });

  test('a relative TMPDIR becomes absolute: the tests\' children run in other working directories', async () => {
    process.env.TMPDIR = relative(process.cwd(), parent);
    await setup();
    expect(process.env.TMPDIR!.startsWith(join(parent, 'cnpg-gitops-tests-'))).toBe(true);
    await teardown();
  });

  test('a killed run\'s directory this user cannot remove (another user\'s, e.g. root\'s in /dev/shm) is left, and the run goes on', async () => {
    const abandoned = leftBy(spawnSync('true').pid!);
    writeFileSync(join(abandoned, 'pg-1', 'data'), '');
    if (process.getuid?.() === 0) {
      // Root's directory, open to all as a run's is, and a run as the servers' user.
      chmodSync(parent, 0o1777);
      chmodSync(abandoned, 0o755);
      const script = `require(${JSON.stringify(require.resolve('../helpers/global-setup.js'))})().then(() => { console.log(process.env.TMPDIR); require(${JSON.stringify(require.resolve('../helpers/global-teardown.js'))})(); })`;
      const run = spawnSync('runuser', ['-u', 'postgres', '--', process.execPath, '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, TMPDIR: parent } });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().startsWith(join(parent, 'cnpg-gitops-tests-'))).toBe(true);
    } else {
      // A directory whose files cannot be removed.
      chmodSync(join(abandoned, 'pg-1'), 0o555);
      process.env.TMPDIR = parent;
      try {
        await setup();
        await teardown();
      } finally {
        chmodSync(join(abandoned, 'pg-1'), 0o755);
      }
    }
    expect(existsSync(join(abandoned, 'pg-1', 'data'))).toBe(true);
  });
});
