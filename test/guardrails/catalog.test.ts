import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderGuardrailIndex } from '../../src/guardrails/catalog';
import { SUPPRESSION_RULE_ID } from '../../src/guardrails/engine';
import { packedRuleIds, UNSUPPRESSIBLE_IN_PRODUCTION } from '../../src/guardrails/packs';
import { docsPage, Guardrail } from '../../src/guardrails/rule';
import { GUARDRAILS } from '../../src/guardrails/rules';
import { shippedEnvironments } from '../helpers/fixtures';

const REPO = join(__dirname, '../..');
const CONFIG_FIELDS = Object.keys(shippedEnvironments().find((env) => env.name === 'production')!)
  .concat(['cloneFrom', 'suppressions', 'restores', 'flux', 'migrationValidations']);

test('rule ids are unique and shaped like ABC123', () => {
  const ids = GUARDRAILS.map((rule) => rule.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of [...ids, SUPPRESSION_RULE_ID]) expect(id).toMatch(/^[A-Z]{2,3}\d{3}$/);
});

describe.each(GUARDRAILS.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
  test('has a title, an explanation, a fix, kinds and a config field of the environment config', () => {
    expect(rule.title.length).toBeGreaterThan(10);
    expect(rule.explanation.length).toBeGreaterThan(40);
    expect(rule.fix.length).toBeGreaterThan(20);
    expect(rule.kinds.length).toBeGreaterThan(0);
    expect(CONFIG_FIELDS).toContain(rule.configField.split('.')[0]);
  });

  test('has a docs page titled like the rule, with problem, solution and an instead-of/use pair', () => {
    const page = readFileSync(join(REPO, docsPage(id)), 'utf8');
    expect(page.split('\n')[0]).toBe(`# ${id}: ${rule.title}`);
    for (const section of ['## Problem', '## Solution', 'Instead of', 'use']) expect(page).toContain(section);
  });

  test('has a severity in every environment of the pack table', () => {
    expect(packedRuleIds()).toContain(id);
  });
});

test('the pack table lists no rule that does not exist', () => {
  expect(packedRuleIds().sort()).toEqual(GUARDRAILS.map((rule) => rule.id).sort());
  for (const id of UNSUPPRESSIBLE_IN_PRODUCTION) expect(packedRuleIds()).toContain(id);
});

test('the suppression rule has its docs page', () => {
  expect(existsSync(join(REPO, docsPage(SUPPRESSION_RULE_ID)))).toBe(true);
});

test('docs/GUARDRAILS.md is up to date: what `npm run docs` writes', () => {
  expect(readFileSync(join(REPO, 'docs/GUARDRAILS.md'), 'utf8')).toBe(renderGuardrailIndex());
  const written = join(mkdtempSync(join(tmpdir(), 'guardrail-index-')), 'GUARDRAILS.md');
  const run = spawnSync('npm', ['run', '--silent', 'docs', '--', written], { cwd: REPO, encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(readFileSync(written, 'utf8')).toBe(readFileSync(join(REPO, 'docs/GUARDRAILS.md'), 'utf8'));
});

describe('every rule file is registered', () => {
  const RULES = join(REPO, 'src/guardrails/rules');
  const isGuardrail = (value: any): value is Guardrail => typeof value?.id === 'string' && typeof value.check === 'function';

  /**
   * Files of the rule folder whose guardrails are missing from `registered`, and files with no
   * guardrail that no rule file imports (a helper nobody uses is a rule that was never written).
   */
  function unregisteredRuleFiles(registered: readonly Guardrail[]): string[] {
    const files = readdirSync(RULES).filter((file) => file.endsWith('.ts') && file !== 'index.ts');
    const sources = files.map((file) => readFileSync(join(RULES, file), 'utf8'));
    return files.filter((file) => {
      const guardrails = Object.values(require(join(RULES, file))).filter(isGuardrail);
      if (guardrails.length > 0) return guardrails.some((guardrail) => !registered.includes(guardrail));
      return !sources.some((source) => source.includes(`from './${file.replace(/\.ts$/, '')}'`));
    });
  }

  test('each guardrail a file of src/guardrails/rules/ exports is in GUARDRAILS (src/guardrails/rules/index.ts)', () => {
    expect(unregisteredRuleFiles(GUARDRAILS)).toEqual([]);
  });

  test('the check finds a rule file left out of GUARDRAILS', () => {
    expect(unregisteredRuleFiles(GUARDRAILS.filter((rule) => rule.id !== 'HA001'))).toEqual(['instances-minimum.ts']);
  });
});

describe('every rule id has a compliant and a violating test in the test file of its family', () => {
  /** The family of a rule is its id's prefix; its tests are `describe('<id>: ...')` blocks with `Compliance...` and `Noncompliance...` tests. */
  const FAMILY_TEST_FILES: Readonly<Record<string, string>> = {
    BKP: 'backup-rules.test.ts',
    CLU: 'cluster-rules.test.ts',
    DEL: 'deletion-rules.test.ts',
    FLX: 'flux-rules.test.ts',
    GRD: 'suppressions.test.ts',
    HA: 'availability-rules.test.ts',
    IMG: 'image-rules.test.ts',
    LCK: 'lock-rules.test.ts',
    MIG: 'migration-rules.test.ts',
    OBJ: 'object-store-rules.test.ts',
    RCV: 'recovery-rules.test.ts',
    RST: 'restore-rules.test.ts',
    SEC: 'secret-rules.test.ts',
    WAL: 'wal-rules.test.ts',
  };
  const ids = [...GUARDRAILS.map((rule) => rule.id), SUPPRESSION_RULE_ID];
  const familyOf = (id: string) => id.replace(/\d+$/, '');

  interface ListedTest { readonly file: string; readonly ancestors: readonly string[]; readonly title: string }

  /** The tests jest collects from these files, without running them (no test name matches `^$`). */
  function listTests(files: readonly string[]): ListedTest[] {
    const jest = spawnSync(process.execPath, [join(REPO, 'node_modules/jest/bin/jest.js'), '--json', '--runInBand', '--testNamePattern', '^$', ...files], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const report = JSON.parse(jest.stdout);
    expect(report.numTotalTestSuites).toBe(files.length);
    return report.testResults.flatMap((suite: any) => suite.assertionResults.map((test: any) => ({ file: suite.name, ancestors: test.ancestorTitles, title: test.title })));
  }

  /** What each id lacks in its family's file: `<id>: no Compliance test in <file>`. */
  function missingTests(ruleIds: readonly string[], tests: readonly ListedTest[]): string[] {
    return ruleIds.flatMap((id) => {
      const file = FAMILY_TEST_FILES[familyOf(id)];
      const own = tests.filter((test) => test.file === join(REPO, 'test/guardrails', file) && test.ancestors.some((title) => title.startsWith(`${id}:`)));
      return (['Compliance', 'Noncompliance'] as const)
        .filter((kind) => !own.some((test) => new RegExp(`^${kind}\\b`).test(test.title)))
        .map((kind) => `${id}: no ${kind} test in test/guardrails/${file}`);
    });
  }

  test('each family has its test file, and each file its family', () => {
    expect([...new Set(ids.map(familyOf))].sort()).toEqual(Object.keys(FAMILY_TEST_FILES).sort());
    for (const file of Object.values(FAMILY_TEST_FILES)) expect(existsSync(join(REPO, 'test/guardrails', file))).toBe(true);
  });

  test('no family test is skipped or focused', () => {
    for (const file of Object.values(FAMILY_TEST_FILES)) {
      expect([file, readFileSync(join(REPO, 'test/guardrails', file), 'utf8').match(/\b(x|f)(it|test|describe)\(|\.(skip|only|todo)\(/g)]).toEqual([file, null]);
    }
  });

  test('each id has at least one Compliance and one Noncompliance test', () => {
    const files = Object.values(FAMILY_TEST_FILES).map((file) => join('test/guardrails', file));
    const tests = listTests(files);
    expect(missingTests(ids, tests)).toEqual([]);
    // The check finds an id without tests, and tests of an id in another family's file.
    expect(missingTests(['HA004'], tests)).toEqual(['HA004: no Compliance test in test/guardrails/availability-rules.test.ts', 'HA004: no Noncompliance test in test/guardrails/availability-rules.test.ts']);
    const elsewhere = tests.map((test) => (test.ancestors.some((title) => title.startsWith('HA001:')) ? { ...test, file: join(REPO, 'test/guardrails/backup-rules.test.ts') } : test));
    expect(missingTests(['HA001'], elsewhere)).toHaveLength(2);
  });
});
