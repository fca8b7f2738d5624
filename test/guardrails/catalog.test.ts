import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderGuardrailIndex } from '../../src/guardrails/catalog';
import { SUPPRESSION_RULE_ID } from '../../src/guardrails/engine';
import { packedRuleIds, UNSUPPRESSIBLE_IN_PRODUCTION } from '../../src/guardrails/packs';
import { docsPage } from '../../src/guardrails/rule';
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

test('docs/GUARDRAILS.md is up to date (npm run docs)', () => {
  expect(readFileSync(join(REPO, 'docs/GUARDRAILS.md'), 'utf8')).toBe(renderGuardrailIndex());
});
