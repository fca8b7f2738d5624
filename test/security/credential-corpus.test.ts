import { ApiObject } from 'cdk8s';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatConfigError } from '../../src/config/validate';
import { formatViolation, Violation } from '../../src/guardrails/engine';
import { GUARDRAILS } from '../../src/guardrails/rules';
import { renderEnvironments } from '../../src/synthesize';
import { databaseChart, violationsAfter, withEnvironment } from '../helpers/fixtures';
import { migrationEstate, TestMigration } from '../helpers/migrations';

/**
 * SEC001 against a corpus (credential-corpus.json) of credentials planted in every field a user
 * writes or an override reaches (migration SQL in every quoting form, rollback steps, a migration
 * command, cluster parameters, a restore's checks and expected values, the endpoint URL,
 * suppression reasons; env values, ConfigMap data and annotations added by an escape hatch), and
 * of look-alikes that hold none (settings named like credentials, Secret names, checksums, ids,
 * placeholders, URLs without a password, a CA bundle). Each planted credential is found where it
 * was planted and never printed: not in a message, a value, a formatted line or the JSON report.
 */
type Field = 'sql' | 'rollbackSteps' | 'command' | 'parameter' | 'verifySql' | 'verifyExpect' | 'envValue' | 'configMapData' | 'annotation' | 'endpointURL' | 'suppressionReason';
interface Entry { readonly field: Field; readonly text: string; readonly key?: string; readonly secret?: string }
const corpus: { planted: Entry[]; lookalikes: Entry[] } = JSON.parse(readFileSync(join(__dirname, 'credential-corpus.json'), 'utf8'));

/** What an estate reported, and how to find the findings of one entry in it. */
interface Run {
  readonly violations: readonly Violation[];
  /** Everything a person or CI could read: formatted lines, the JSON report, config errors. */
  readonly printed: string;
  readonly findingsOf: (index: number) => Violation[];
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function outcomeRun(outcome: ReturnType<typeof renderEnvironments>, findingsOf: (violations: readonly Violation[], index: number) => Violation[]): Run {
  if (outcome.status === 'invalid-config') throw new Error(`corpus estate is invalid: ${outcome.configErrors.map(formatConfigError).join('\n')}`);
  const violations = outcome.report.violations;
  const printed = [...violations.map((violation) => formatViolation(violation)), JSON.stringify(outcome.report)].join('\n');
  return { violations, printed, findingsOf: (index) => findingsOf(violations, index) };
}

const sec001 = (violations: readonly Violation[]) => violations.filter((violation) => violation.ruleId === 'SEC001');

/** One estate per field holding every entry of that field, each in a slot of its own. */
function run(field: Field, entries: readonly Entry[]): Run {
  const id = (index: number) => `0001-c${index}`;
  const atCatalogField = (suffix: string) => (violations: readonly Violation[], index: number) => sec001(violations).filter((violation) => violation.configField === `${id(index)}.${suffix}`);
  const migrations = (make: (entry: Entry, index: number) => Partial<TestMigration>) => migrationEstate(
    entries.map((entry, index): TestMigration => ({ id: id(index), sql: 'SELECT 1;', ...make(entry, index) })),
    { applied: { staging: [], production: [] }, validations: [] },
  );
  const inMessage = (text: (index: number) => string) => (violations: readonly Violation[], index: number) => sec001(violations).filter((violation) => violation.message.includes(text(index)));
  switch (field) {
    case 'sql': return outcomeRun(renderEnvironments(migrations((entry) => ({ sql: entry.text }))), atCatalogField('sql'));
    case 'rollbackSteps': return outcomeRun(renderEnvironments(migrations((entry) => ({ rollback: { steps: entry.text } }))), atCatalogField('rollback.steps'));
    case 'command': return outcomeRun(renderEnvironments(migrations((entry) => ({ image: 'ghcr.io/acme/migrator:1.0.0', command: ['migrate', entry.text] }))), atCatalogField('command'));
    case 'parameter': {
      const keys = entries.map((entry, index) => entry.key ?? `app.c${index}`);
      const environments = withEnvironment('develop', (env) => { env.cluster.postgresqlParameters = Object.fromEntries(entries.map((entry, index) => [keys[index], entry.text])); });
      return outcomeRun(renderEnvironments({ environments, repoRoot: join(__dirname, '../..'), migrations: require('../helpers/fixtures').shippedMigrations() }),
        (violations, index) => sec001(violations).filter((violation) => violation.configField === 'cluster.postgresqlParameters' && (violation.message.includes(`parameters["${keys[index]}"]`) || violation.message.includes(`parameters.${keys[index]} `))));
    }
    case 'verifySql':
    case 'verifyExpect': {
      const verify = entries.map((entry, index) => ({ name: `c${index}`, sql: field === 'verifySql' ? entry.text : 'SELECT 1', expect: field === 'verifyExpect' ? entry.text : '1' }));
      const environments = withEnvironment('production', (env) => { env.restores = [{ name: 'app-db-corpus', target: { time: hoursAgo(1) }, verify }]; });
      const file = (index: number) => `data["${String(index + 1).padStart(2, '0')}-c${index}.${field === 'verifySql' ? 'sql' : 'expected'}"]`;
      return outcomeRun(renderEnvironments({ environments, repoRoot: join(__dirname, '../..'), migrations: require('../helpers/fixtures').shippedMigrations() }), (violations, index) => inMessage(file)(violations, index).filter((violation) => violation.configField === 'restores'));
    }
    case 'envValue':
    case 'configMapData':
    case 'annotation': {
      const violations = violationsAfter((charts) => entries.forEach((entry, index) => {
        const key = entry.key ?? `C${index}`;
        const body = field === 'envValue'
          ? { apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'y', env: [{ name: key, value: entry.text }] }] } } } }
          : field === 'configMapData' ? { apiVersion: 'v1', kind: 'ConfigMap', data: { [key]: entry.text } } : { apiVersion: 'v1', kind: 'ConfigMap', metadata: { annotations: { [key]: entry.text } } };
        new ApiObject(databaseChart(charts, 'develop'), `Corpus${index}`, { ...body, metadata: { ...(body as any).metadata, name: `corpus-${index}` } } as any);
      }));
      return { violations, printed: [...violations.map((violation) => formatViolation(violation)), JSON.stringify(violations)].join('\n'), findingsOf: (index) => inMessage((at) => `corpus-${at} `)(violations, index) };
    }
    case 'endpointURL':
    case 'suppressionReason': {
      // One estate per entry: a config has one endpoint; a reason is reported against its guardrail id.
      const runs = entries.map((entry) => {
        const ruleId = GUARDRAILS.find((rule) => !['SEC001', 'FLX001'].includes(rule.id))!.id;
        const environments = withEnvironment('develop', (env) => {
          if (field === 'endpointURL') env.objectStore.endpointURL = entry.text;
          else env.suppressions = [{ id: ruleId, reason: entry.text }];
        });
        return outcomeRun(renderEnvironments({ environments, repoRoot: join(__dirname, '../..'), migrations: require('../helpers/fixtures').shippedMigrations() }), (violations) => violations.filter((violation) => violation.environment === 'develop'
          && (field === 'endpointURL' ? violation.ruleId === 'SEC001' && violation.configField === 'objectStore.endpointURL' : violation.ruleId === 'GRD001' || (violation.ruleId === 'SEC001' && violation.configField === 'suppressions'))));
      });
      return { violations: runs.flatMap((each) => each.violations), printed: runs.map((each) => each.printed).join('\n'), findingsOf: (index) => runs[index].findingsOf(0) };
    }
  }
}

const FIELDS: readonly Field[] = ['sql', 'rollbackSteps', 'command', 'parameter', 'verifySql', 'verifyExpect', 'envValue', 'configMapData', 'annotation', 'endpointURL', 'suppressionReason'];

test('the corpus plants at least 100 credentials and 100 look-alikes, across every field', () => {
  expect(corpus.planted.length).toBeGreaterThanOrEqual(100);
  expect(corpus.lookalikes.length).toBeGreaterThanOrEqual(100);
  for (const field of FIELDS) {
    expect({ field, planted: corpus.planted.some((entry) => entry.field === field), lookalikes: corpus.lookalikes.some((entry) => entry.field === field) }).toEqual({ field, planted: true, lookalikes: true });
  }
});

describe.each(FIELDS)('%s', (field) => {
  const planted = corpus.planted.filter((entry) => entry.field === field);
  const lookalikes = corpus.lookalikes.filter((entry) => entry.field === field);

  test('every planted credential is found where it was planted, and never printed', () => {
    const result = run(field, planted);
    const missed = planted.filter((_entry, index) => result.findingsOf(index).length === 0).map((entry) => entry.text);
    expect(missed).toEqual([]);
    const echoed = planted.filter((entry) => result.printed.includes(entry.secret!)).map((entry) => entry.text);
    expect(echoed).toEqual([]);
  });

  test('no look-alike is reported', () => {
    const result = run(field, lookalikes);
    const reported = lookalikes.map((entry, index) => ({ entry: entry.text, findings: result.findingsOf(index).map((violation) => violation.message) })).filter((each) => each.findings.length > 0);
    expect(reported).toEqual([]);
  });
});
