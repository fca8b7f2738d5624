import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
});
