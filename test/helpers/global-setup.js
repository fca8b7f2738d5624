// One temporary directory per `jest` run, for everything the tests and the processes they start
// create through os.tmpdir(): TMPDIR points there for the workers (forked after this, with its
// environment) and their children; test/helpers/global-teardown.js removes it whole. Before,
// scratch checkouts, servers' data and the files of killed processes stayed in /tmp: about 400
// entries and 40 MB per run. A run that was itself killed leaves its directory behind; the same
// user's next run removes it once the process named inside is gone.
const { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const PREFIX = 'cnpg-gitops-tests-';
const OWNER = 'jest.pid';
/** statfs(2)'s magic number of tmpfs. */
const TMPFS = 0x01021994;
/** The room the run needs: at its peak it holds about 0.5 GiB (PostgreSQL data, checkouts). */
const ROOM = 2 * 1024 ** 3;

/**
 * TMPDIR when it is set; otherwise /dev/shm when it is a memory file system with room, else the
 * system's temporary directory. The tests write, flush and remove checkouts thousands of times:
 * on this 2-core machine's disk the whole run took 6.5 % longer (medians of 3 interleaved
 * pairs, 202.5 s against 189.2 s) and 13 s more system CPU. Nothing they check depends on the
 * disk: crashes are injected or are killed processes, whose writes the page cache keeps on any
 * file system.
 */
function parentDirectory() {
  // Absolute: the tests' children run in other working directories (scratch checkouts).
  if (process.env.TMPDIR) return resolve(process.env.TMPDIR);
  try {
    const stats = statfsSync('/dev/shm');
    if (stats.type === TMPFS && stats.bavail * stats.bsize >= ROOM) return '/dev/shm';
  } catch {
    // No /dev/shm here.
  }
  return tmpdir();
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Only this user's directories: /dev/shm is shared by every user of the machine, and another
 * user's (root's, when the tests once ran as root) cannot be removed, so trying would fail the run.
 */
function removeAbandoned(parent) {
  for (const name of readdirSync(parent).filter((entry) => entry.startsWith(PREFIX))) {
    const directory = join(parent, name);
    let pid;
    try {
      if (process.getuid && lstatSync(directory).uid !== process.getuid()) continue;
      pid = Number(readFileSync(join(directory, OWNER), 'utf8'));
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 0 || isRunning(pid)) continue;
    try {
      rmSync(directory, { recursive: true, force: true });
    } catch {
      // Left for a later run: another run is removing it too, or part of it is not ours to remove.
    }
  }
}

/**
 * The variables as this process had them before setup, which restore() puts back (from
 * global-teardown.js): jest --watch runs setup and teardown around every run in one process,
 * and the next run must not look for its parent in the directory the last one removed.
 */
let found;

function restore() {
  if (found === undefined) return;
  for (const [name, value] of Object.entries(found)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  found = undefined;
}

module.exports = async function setup() {
  restore();
  found = { TMPDIR: process.env.TMPDIR, CNPG_GITOPS_TEST_TMPDIR: process.env.CNPG_GITOPS_TEST_TMPDIR };
  const parent = parentDirectory();
  removeAbandoned(parent);
  const root = mkdtempSync(join(parent, PREFIX));
  // When the tests run as root, the servers run as the postgres OS user: they must reach their directories below.
  chmodSync(root, 0o755);
  writeFileSync(join(root, OWNER), String(process.pid));
  process.env.CNPG_GITOPS_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
};

module.exports.restore = restore;
