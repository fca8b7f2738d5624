#!/usr/bin/env node
// `npm run annotate [-- <report.json>]`: turns the JSON report of a synthesis
// (`GUARDRAIL_REPORT=report.json npm run synth`) into GitHub Actions workflow commands, so each
// config error and guardrail finding is annotated on the file, line and column that caused it:
// `::error file=src/config/production.ts,line=9,col=5,title=…::…`. Config errors and guardrail
// errors are errors, warnings warnings, suppressions notices; an environment whose guardrails did
// not run is a warning without a file. With GITHUB_STEP_SUMMARY set, every entry is also listed in
// the job summary, since GitHub shows at most 10 annotations of each kind per step.
// Exits 1 when the report cannot be read, 0 otherwise: failing is the synthesis's job.
import { appendFileSync, readFileSync } from 'node:fs';

const reportPath = process.argv[2] ?? process.env.GUARDRAIL_REPORT ?? 'report.json';

// The escaping of @actions/core (packages/core/src/command.ts).
const escapeData = (text) => String(text).replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
const escapeProperty = (text) => escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
const got = (value) => (value === undefined ? '' : ` (got ${JSON.stringify(value)})`);

/** `::error file=…,line=…,col=…,title=…::message` */
function command(kind, properties, message) {
  const list = Object.entries(properties).filter(([, value]) => value !== undefined).map(([key, value]) => `${key}=${escapeProperty(value)}`).join(',');
  return `::${kind}${list === '' ? '' : ` ${list}`}::${escapeData(message)}`;
}

/** Every annotation of a report, errors first. */
function annotations(report) {
  const at = (entry) => ({ file: entry.file, line: entry.line, col: entry.column });
  return [
    ...report.configErrors.map((error) => ({ kind: 'error', ...at(error), title: `config error: ${error.field}`, message: `${error.field}: ${error.message}${got(error.value)}` })),
    ...report.violations.map((violation) => ({
      kind: violation.severity === 'error' ? 'error' : 'warning',
      ...at(violation),
      title: `${violation.ruleId} ${violation.severity} in ${violation.environment}`,
      message: `${violation.configField}: ${violation.message}${got(violation.value)} → fix: ${violation.fix} (${violation.docs})`,
    })),
    ...report.suppressed.map((violation) => ({ kind: 'notice', ...at(violation), title: `${violation.ruleId} suppressed in ${violation.environment}`, message: `${violation.message} — suppressed: ${violation.reason}` })),
    ...report.notChecked.map(({ environment, reason }) => ({ kind: 'warning', title: `${environment}: guardrails not checked`, message: reason })),
  ].sort((a, b) => ['error', 'warning', 'notice'].indexOf(a.kind) - ['error', 'warning', 'notice'].indexOf(b.kind));
}

function summary(entries) {
  const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    `### cnpg-gitops: ${entries.length} finding(s)`,
    '',
    '| | where | what |',
    '|---|---|---|',
    ...entries.map((entry) => `| ${entry.kind} | ${entry.file ? `\`${entry.file}:${entry.line}:${entry.col}\`` : ''} | ${cell(`${entry.title}: ${entry.message}`)} |`),
    '',
  ].join('\n');
}

function main() {
  let report;
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8'));
  } catch (error) {
    process.stderr.write(`npm run annotate: cannot read the guardrail report ${reportPath} (${error.message}); write it with GUARDRAIL_REPORT=${reportPath} npm run synth\n`);
    return 1;
  }
  const entries = annotations(report);
  for (const { kind, title, message, ...where } of entries) process.stdout.write(`${command(kind, { ...where, title }, message)}\n`);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, summary(entries));
  return 0;
}

process.exitCode = main();
