import { EnvironmentName } from '../config/types';
import { SUPPRESSION_RULE_ID } from './engine';
import { severityOf, UNSUPPRESSIBLE_IN_PRODUCTION } from './packs';
import { docsPage } from './rule';
import { GUARDRAILS } from './rules';

const ENVIRONMENTS: readonly EnvironmentName[] = ['develop', 'staging', 'production'];

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('\n', ' ');
}

/** `docs/GUARDRAILS.md`: the index of every guardrail, generated from the rule objects and packs. */
export function renderGuardrailIndex(): string {
  const rows = [...GUARDRAILS].sort((a, b) => a.id.localeCompare(b.id)).map((rule) => {
    const severities = ENVIRONMENTS.map((env) => severityOf(rule.id, env)).join(' | ');
    const locked = UNSUPPRESSIBLE_IN_PRODUCTION.includes(rule.id) ? ' (not suppressible in production)' : '';
    return `| [${rule.id}](${docsPage(rule.id).replace('docs/', '')}) | ${severities} | ${cell(rule.title)}${locked} | \`${rule.configField}\` | ${cell(rule.explanation)} |`;
  });
  return [
    '<!-- Generated from src/guardrails by `npm run docs`; a test fails when it is out of date. -->',
    '# Guardrails',
    '',
    'Every guardrail runs over the rendered objects of every environment during `npm run synth`.',
    'An `error` fails synthesis and nothing is written; a `warning` is printed; `off` is not checked.',
    'Severities per environment live in `src/guardrails/packs.ts`.',
    `Invalid suppressions are reported as [${SUPPRESSION_RULE_ID}](guardrails/${SUPPRESSION_RULE_ID}.md).`,
    '',
    '| id | develop | staging | production | rule | config field | why |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
