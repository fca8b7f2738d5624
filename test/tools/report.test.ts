import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReportFile } from '../../src/report';
import { editFile, scratchCheckout } from '../helpers/scratch-checkout';

// `GUARDRAIL_REPORT=report.json npm run synth` with config errors, a guardrail error and the SQL
// findings of the shipped backfill, in a copy of the repository; then `npm run annotate` on it.
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };


/** Line and column (1-based) where `text` starts in the file, found by plain search. */
function positionOf(work: string, file: string, text: string, within = ''): { line: number; column: number } {
  const content = readFileSync(join(work, file), 'utf8');
  const offset = content.indexOf(text, content.indexOf(within));
  const before = content.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

let work: string;
let report: ReportFile;
let annotations: string[];
let summary: string;

beforeAll(() => {
  work = scratchCheckout('report');
  editFile(work, 'src/config/production.ts', 'instances: 3,', "instances: 'three',");
  editFile(work, 'src/config/production.ts', "schedule: '0 0 3 * * *',", "schedule: '0 3 * * *',");
  editFile(work, 'src/config/develop.ts', '  migrations: {', [
    '  databases: [',
    "    { cluster: { name: 'billing-db', storageSize: '5Gi' }, migrations: { migratorCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/develop/billing-db-migrator' }, applied: ['0009-missing'] } },",
    '  ],',
    '  migrations: {',
  ].join('\n'));
  const synth = spawnSync('npm', ['run', 'synth'], { cwd: work, encoding: 'utf8', env: { ...ENV, GUARDRAIL_REPORT: 'report.json' } });
  expect(synth.status).toBe(1);
  report = JSON.parse(readFileSync(join(work, 'report.json'), 'utf8'));
  const annotate = spawnSync('npm', ['run', '--silent', 'annotate', '--', 'report.json'], { cwd: work, encoding: 'utf8', env: { ...ENV, GITHUB_STEP_SUMMARY: join(work, 'summary.md') } });
  expect(annotate.status).toBe(0);
  annotations = annotate.stdout.trimEnd().split('\n');
  summary = readFileSync(join(work, 'summary.md'), 'utf8');
});

test('the report is written for config errors, with the guardrails of what still renders', () => {
  expect(report.status).toBe('invalid-config');
  expect(report.configErrors.map((error) => `${error.file}: ${error.field}`)).toEqual([
    'src/config/production.ts: cluster.instances',
    'src/config/develop.ts: databases[0].migrations.applied[0]',
  ]);
  expect(report.violations.map((violation) => `${violation.ruleId} ${violation.environment}`)).toEqual(expect.arrayContaining(['BKP003 production', 'LCK012 develop']));
  expect(report.notChecked).toEqual([]);
});

test('every entry carries the file, line and column of the config field or SQL statement that caused it', () => {
  const [instances, applied] = report.configErrors;
  expect(instances).toMatchObject({ file: 'src/config/production.ts', ...positionOf(work, 'src/config/production.ts', "instances: 'three'") });
  expect(applied).toMatchObject({ file: 'src/config/develop.ts', ...positionOf(work, 'src/config/develop.ts', "'0009-missing'") });
  const schedule = report.violations.find((violation) => violation.ruleId === 'BKP003')!;
  expect(schedule).toMatchObject({ file: 'src/config/production.ts', ...positionOf(work, 'src/config/production.ts', 'schedule:') });
  const backfill = report.violations.find((violation) => violation.ruleId === 'LCK012')!;
  expect(backfill).toMatchObject({ file: 'migrations/0003-backfill-email-normalized/up.sql', ...positionOf(work, 'migrations/0003-backfill-email-normalized/up.sql', 'UPDATE users') });
  for (const entry of [...report.configErrors, ...report.violations, ...report.suppressed]) {
    expect(entry).toEqual(expect.objectContaining({ file: expect.any(String), line: expect.any(Number), column: expect.any(Number) }));
    expect(entry.line).toBeGreaterThan(0);
  }
});

test('npm run annotate turns each entry into a GitHub annotation on that file and line', () => {
  // One workflow command per entry: ::error|warning|notice file=…,line=…,col=…,title=…::message
  const parsed = annotations.map((line) => /^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([^:]*)::(.*)$/.exec(line));
  expect(parsed.every((match) => match !== null)).toBe(true);
  expect(parsed).toHaveLength(report.configErrors.length + report.violations.length + report.suppressed.length);
  const [instances] = report.configErrors;
  expect(annotations).toContain(`::error file=src/config/production.ts,line=${instances.line},col=${instances.column},title=config error%3A cluster.instances::cluster.instances: must be a whole number from 1 to 99 (got "three")`);
  const backfill = report.violations.find((violation) => violation.ruleId === 'LCK012' && violation.environment === 'develop')!;
  expect(annotations).toContainEqual(expect.stringMatching(new RegExp(`^::warning file=migrations/0003-backfill-email-normalized/up\\.sql,line=${backfill.line},col=${backfill.column},title=LCK012 warning in develop::0003-backfill-email-normalized\\.sql: migrations/0003-backfill-email-normalized/up\\.sql:2:1: update users `)));
  expect(annotations).toContainEqual(expect.stringMatching(/^::error file=src\/config\/production\.ts,line=\d+,col=\d+,title=BKP003 error in production::backup\.schedule: schedule has 5 fields/));
  // Errors come first: GitHub shows at most 10 of each kind per step, the job summary lists all.
  expect(annotations.findIndex((line) => line.startsWith('::warning'))).toBeGreaterThan(annotations.findLastIndex((line) => line.startsWith('::error')));
  expect(summary.split('\n').filter((line) => /^\| (error|warning|notice) \|/.test(line))).toHaveLength(annotations.length);
});
