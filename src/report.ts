import { writeFileSync } from 'node:fs';
import { locateFields, SourcePosition } from './config/locate';
import { NotChecked } from './config/renderable';
import { ConfigError, formatConfigError } from './config/validate';
import { display, listTrees } from './flux/output-plan';
import { TreeChanges } from './flux/tree-writer';
import { formatViolation, SuppressedViolation, Violation } from './guardrails/engine';
import { RenderOutcome, SynthesisOutcome, SynthesisStart } from './outcome';

/**
 * The JSON report of a synthesis (`GUARDRAIL_REPORT=report.json`), for CI: every entry carries
 * the `file`, `line` and `column` to annotate: the config field that caused it (found in the
 * TypeScript config file), or the SQL statement for findings in a migration's SQL.
 */
export interface ReportFile {
  /** `invalid-config`, `guardrails-failed` or `rendered` (then nothing failed; warnings may remain). */
  readonly status: RenderOutcome['status'];
  readonly configErrors: readonly (ConfigError & SourcePosition)[];
  /** Errors and warnings, sorted by rule id and path. */
  readonly violations: readonly (Violation & SourcePosition)[];
  readonly suppressed: readonly (SuppressedViolation & SourcePosition)[];
  /** Environments whose guardrails did not run because their config does not render. */
  readonly notChecked: readonly NotChecked[];
}

/** The report of a rendering, each entry placed in its file. */
export function reportOf(outcome: RenderOutcome, repoRoot: string): ReportFile {
  const configErrors = outcome.status === 'invalid-config' ? outcome.configErrors : [];
  const { violations, suppressed } = outcome.report;
  const unplaced = [...violations, ...suppressed].filter((violation) => violation.source === undefined);
  const positions = locateFields(repoRoot, [
    ...configErrors.map(({ file, field }) => ({ file, field })),
    ...unplaced.map((violation) => ({ file: violation.configFile, field: violation.configField })),
  ]);
  const fieldPositions = new Map<Violation, SourcePosition>(unplaced.map((violation, index) => [violation, positions[configErrors.length + index]]));
  const place = <T extends Violation>(violation: T): T & SourcePosition => ({ ...violation, ...(violation.source ?? fieldPositions.get(violation)!) });
  return {
    status: outcome.status,
    configErrors: configErrors.map((error, index) => ({ ...error, ...positions[index] })),
    violations: violations.map(place),
    suppressed: suppressed.map(place),
    notChecked: outcome.status === 'invalid-config' ? outcome.notChecked : [],
  };
}

/** Writes the report as JSON (a value JSON cannot hold, such as a bigint, as its text). */
export function writeReport(path: string, outcome: RenderOutcome, repoRoot: string): void {
  const json = JSON.stringify(reportOf(outcome, repoRoot), (_key, value) => (typeof value === 'bigint' ? String(value) : value), 2);
  writeFileSync(path, `${json}\n`);
}

/** What a synthesis did before its own work, one line each. */
function describeStart(outcome: SynthesisStart): string[] {
  const lines: string[] = [];
  if (outcome.staleLock) {
    lines.push(`Recovered: the synthesis of pid ${outcome.staleLock.pid} (started ${outcome.staleLock.startedAt}) was killed holding the lock; took the lock over.`);
  }
  const recovery = outcome.recovery;
  if (recovery?.action === 'discarded') {
    lines.push('Recovered: a synthesis was interrupted before it began writing; discarded the files it had staged (it had written nothing).');
  } else if (recovery?.action === 'completed') {
    const counts = recovery.trees.map((tree) => `${display(tree.label)} ${tree.written} written, ${tree.removed} removed`).join('; ');
    lines.push(`Recovered: the synthesis of pid ${recovery.pid} (started ${recovery.startedAt}) was interrupted while writing; completed its write first: ${counts}.`);
  } else if (recovery?.action === 'undone') {
    const why = recovery.reason ? `completing it failed (${recovery.reason}), so ` : '';
    lines.push(`Recovered: the synthesis of pid ${recovery.pid} (started ${recovery.startedAt}) was interrupted while writing; ${why}put back the files it had replaced: ${listTrees(recovery.trees.map((tree) => tree.label))} are as before it.`);
  }
  return lines;
}

/** "flux/ is unchanged", true only when nothing (not even a recovery) changed the directories. */
export function nothingWritten(outcome: SynthesisStart): string {
  const recovered = outcome.recovery !== undefined && outcome.recovery.action !== 'discarded';
  const trees = listTrees(outcome.trees);
  if (recovered) return `Nothing else was written: ${trees} ${outcome.trees.length > 1 ? 'are' : 'is'} as the recovery above left ${outcome.trees.length > 1 ? 'them' : 'it'}.`;
  return `Nothing was written: ${trees} ${outcome.trees.length > 1 ? 'are' : 'is'} unchanged.`;
}

function changeLine(root: string, changes: TreeChanges): string {
  return `${display(root)}: ${changes.written.length} written, ${changes.removed.length} removed, ${changes.unchanged.length} unchanged`;
}

/** The message a person reads: what was recovered, every config error or violation on its own line, then a summary. */
export function formatOutcome(outcome: SynthesisOutcome): string {
  const start = describeStart(outcome);
  if (outcome.status === 'not-written') return [...start, outcome.reason].join('\n');
  const lines = outcome.report.violations.map((violation) => formatViolation(violation));
  const errors = outcome.report.violations.filter((violation) => violation.severity === 'error').length;
  const warnings = outcome.report.violations.length - errors;
  const suppressed = outcome.report.suppressed.map((violation) => `[${violation.ruleId}] suppressed ${violation.path}: ${violation.reason}`);
  if (outcome.status === 'invalid-config') {
    const notChecked = outcome.notChecked.map(({ environment, reason }) => `${environment}: guardrails not checked: ${reason}`);
    const unchecked = outcome.notChecked.length === 0 ? '' : `, not checked in ${outcome.notChecked.map((entry) => entry.environment).join(', ')}`;
    return [
      ...start,
      ...outcome.configErrors.map(formatConfigError),
      ...lines,
      ...notChecked,
      `\n${outcome.configErrors.length} config error(s); guardrails: ${errors} error(s), ${warnings} warning(s)${unchecked}. ${nothingWritten(outcome)}`,
    ].join('\n');
  }
  if (outcome.status === 'guardrails-failed') {
    return [...start, ...lines, `\nGuardrails failed: ${errors} error(s), ${warnings} warning(s). ${nothingWritten(outcome)}`].join('\n');
  }
  const [fluxRoot, ...others] = outcome.trees;
  const { written, removed } = outcome.changes;
  return [
    ...start,
    ...lines,
    ...suppressed,
    `${changeLine(fluxRoot, outcome.changes)}; ${warnings} warning(s), ${suppressed.length} suppressed.`,
    ...written.map((path) => `  written ${display(fluxRoot, path)}`),
    ...removed.map((path) => `  removed ${display(fluxRoot, path)}`),
    ...[outcome.runbookChanges, outcome.distChanges].filter((changes) => changes !== undefined).map((changes, index) => `${changeLine(others[index], changes)}.`),
  ].join('\n');
}
