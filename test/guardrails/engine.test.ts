import { evaluateGuardrails, formatViolation } from '../../src/guardrails/engine';
import { Guardrail } from '../../src/guardrails/rule';
import { renderObjects } from '../../src/flux/render';
import { buildApp } from '../../src/synthesize';
import { estate } from '../helpers/fixtures';

function developObjects() {
  const { charts } = buildApp(estate());
  const develop = charts.filter((chart) => chart.environment.name === 'develop' && chart.directory.includes('cnpg-clusters'));
  return [{ environment: 'develop' as const, objects: develop.flatMap((chart) => renderObjects(chart)), suppressions: [] }];
}

const throwing: Guardrail = {
  id: 'BKP001',
  title: 'throws',
  explanation: 'a rule with a bug',
  fix: 'fix the rule',
  configField: 'backup',
  kinds: ['Cluster'],
  check: () => { throw new Error('boom'); },
};

test('a rule that throws is reported as an error of that rule, not a crash', () => {
  const report = evaluateGuardrails(developObjects(), [throwing]);
  expect(report.violations).toEqual([expect.objectContaining({
    ruleId: 'BKP001',
    severity: 'error',
    path: 'develop/Cluster/Resource',
    message: 'rule threw an error while checking Cluster app-db: boom',
  })]);
});

test('rules only see the kinds they declare', () => {
  const seen: string[] = [];
  const recorder: Guardrail = { ...throwing, kinds: ['ScheduledBackup'], check: (object) => { seen.push(object.kind); return []; } };
  evaluateGuardrails(developObjects(), [recorder]);
  expect(seen).toEqual(['ScheduledBackup']);
});

test('a violation is one line naming id, path, config file and field, value, fix and docs', () => {
  const line = formatViolation({
    ruleId: 'BKP003',
    severity: 'error',
    environment: 'production',
    path: 'production/ScheduledBackup/Resource',
    configFile: 'src/config/production.ts',
    configField: 'backup.schedule',
    message: 'schedule has 5 fields',
    value: '0 3 * * *',
    fix: 'write six fields',
    docs: 'docs/guardrails/BKP003.md',
  });
  expect(line).toBe('[BKP003] error production/ScheduledBackup/Resource (src/config/production.ts: backup.schedule): schedule has 5 fields (got "0 3 * * *") → fix: write six fields (docs/guardrails/BKP003.md)');
  expect(line).not.toContain('\n');
});

test('a rule that quotes a credential has it redacted in its message and value, whatever the rule', () => {
  const quoting: Guardrail = { ...throwing, check: () => [{ message: "statement ALTER ROLE app PASSWORD 'Sup3rS3cret!'", value: { sql: "ALTER ROLE app PASSWORD 'Sup3rS3cret!'", list: ['postgresql://app:Sup3rS3cret!@db/app'] } }] };
  const [violation] = evaluateGuardrails(developObjects(), [quoting]).violations;
  expect(violation.message).toBe('statement ALTER ROLE app PASSWORD <redacted: a password in SQL, 12 characters>');
  expect(violation.value).toEqual({ sql: 'ALTER ROLE app PASSWORD <redacted: a password in SQL, 12 characters>', list: ['postgresql://app:<redacted: the password of a postgresql:// URL, 12 characters>@db/app'] });
  expect(formatViolation(violation)).not.toContain('Sup3rS3cret');
});

test('a rule that throws with a credential in its error has it redacted', () => {
  const leaking: Guardrail = { ...throwing, check: () => { throw new Error('cannot parse host=db password=Sup3rS3cret!'); } };
  const [violation] = evaluateGuardrails(developObjects(), [leaking]).violations;
  expect(violation.message).toBe('rule threw an error while checking Cluster app-db: cannot parse host=db password=<redacted: a password in a connection string, 12 characters>');
});
