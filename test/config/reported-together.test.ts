import { mkdirSync, mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatConfigError } from '../../src/config/validate';
import { renderEnvironments } from '../../src/synthesize';
import { RenderOutcome } from '../../src/outcome';
import { formatOutcome } from '../../src/report';
import { estate, REPO_ROOT, shippedEnvironments, shippedMigrations, withEnvironment } from '../helpers/fixtures';

/** Config errors, and the guardrails of what still renders: the README promises them all at once. */
function invalid(outcome: RenderOutcome): Extract<RenderOutcome, { status: 'invalid-config' }> {
  if (outcome.status !== 'invalid-config') throw new Error(`expected config errors, got ${outcome.status}`);
  return outcome;
}
const violationsIn = (outcome: RenderOutcome, environment: string) => outcome.report.violations.filter((violation) => violation.environment === environment).map((violation) => `${violation.ruleId} ${violation.configField}`);

test('a config error and a guardrail violation of the same environment are reported together (the README\'s example)', () => {
  const outcome = invalid(renderEnvironments(estate(withEnvironment('production', (env: any) => {
    env.cluster.instances = 'three';
    env.backup.schedule = '0 3 * * *';
  }))));
  expect(outcome.configErrors.map(formatConfigError)).toEqual(['src/config/production.ts: cluster.instances: must be a whole number from 1 to 99 (got "three")']);
  expect(violationsIn(outcome, 'production')).toContain('BKP003 backup.schedule');
  // Rendered without the invalid field, production has the default single instance: HA001 about
  // that field follows from leaving it out and is not reported; the config error says it.
  expect(violationsIn(outcome, 'production').filter((violation) => violation.startsWith('HA001'))).toEqual([]);
  expect(outcome.notChecked).toEqual([]);
  const message = formatOutcome({ ...outcome, trees: ['flux'] });
  expect(message).toMatch(/^src\/config\/production\.ts: cluster\.instances: .*\n\[BKP003\] error production\/ScheduledBackup\/Resource \(src\/config\/production\.ts: backup\.schedule\)/);
  expect(message).toMatch(/\n\n1 config error\(s\); guardrails: 1 error\(s\), \d+ warning\(s\)\. Nothing was written: flux\/ is unchanged\.$/);
});

test('an environment that does not render without its bad field is not checked, nor its clone group; the others are', () => {
  const environments = shippedEnvironments() as any[];
  delete environments.find((env) => env.name === 'production').backup;
  environments.find((env) => env.name === 'develop').backup.schedule = '0 3 * * *';
  const outcome = invalid(renderEnvironments(estate(environments)));
  expect(outcome.configErrors.map((error) => `${error.file}: ${error.field}`)).toEqual(['src/config/production.ts: backup']);
  expect(outcome.notChecked).toEqual([
    { environment: 'staging', reason: 'it clones production, which is not rendered' },
    { environment: 'production', reason: 'it does not render without backup' },
  ]);
  expect(violationsIn(outcome, 'develop')).toContain('BKP003 backup.schedule');
  expect(violationsIn(outcome, 'staging')).toEqual([]);
  expect(formatOutcome({ ...outcome, trees: ['flux'] })).toContain('\nstaging: guardrails not checked: it clones production, which is not rendered\nproduction: guardrails not checked: it does not render without backup\n');
});

test('errors the first ones hid are found and reported too: references are checked once every shape is valid', () => {
  const environments = withEnvironment('production', (env: any) => { env.cluster.instances = 'three'; }) as any[];
  const develop = environments.find((env) => env.name === 'develop');
  develop.migrations.applied = [...develop.migrations.applied, '0009-not-declared'];
  const outcome = invalid(renderEnvironments(estate(environments)));
  expect(outcome.configErrors.map((error) => `${error.file}: ${error.field}`)).toEqual([
    'src/config/production.ts: cluster.instances',
    'src/config/develop.ts: migrations.applied[5]',
  ]);
  // Develop renders without the undeclared migration, so its guardrails ran.
  expect(outcome.notChecked).toEqual([]);
  expect(outcome.report.violations.some((violation) => violation.environment === 'develop')).toBe(true);
});

test('an environment that applies a migration whose declaration is invalid is not checked; the others are', () => {
  const repoRoot = mkdtempSync(join(tmpdir(), 'together-'));
  cpSync(join(REPO_ROOT, 'migrations'), join(repoRoot, 'migrations'), { recursive: true });
  mkdirSync(join(repoRoot, 'migrations/0006-missing-sql'));
  const migrations = [...shippedMigrations(), { id: '0006-missing-sql', release: '1.6.0', phase: 'expand', sql: 'migrations/0006-missing-sql/up.sql', rollback: { strategies: ['pitr'], steps: 'Restore to before-0006-missing-sql with PitrRestore.' } }];
  const environments = withEnvironment('develop', (env) => { env.migrations!.applied = [...env.migrations!.applied, '0006-missing-sql']; });
  const outcome = invalid(renderEnvironments({ environments, migrations, repoRoot }));
  expect(outcome.configErrors.map(formatConfigError)).toEqual(['src/config/migrations.ts: migrations[5].sql (migration 0006-missing-sql): file migrations/0006-missing-sql/up.sql does not exist (paths are relative to the repository root) (got "migrations/0006-missing-sql/up.sql")']);
  expect(outcome.notChecked).toEqual([{ environment: 'develop', reason: 'it applies 0006-missing-sql, whose declaration in src/config/migrations.ts has errors' }]);
  expect(violationsIn(outcome, 'production')).toContain('IMG001 cluster.imageName');
});
