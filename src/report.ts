import { writeFileSync } from 'node:fs';
import { locateFields, SourcePosition } from './config/locate';
import { NotChecked } from './config/renderable';
import { ConfigError } from './config/validate';
import { SuppressedViolation, Violation } from './guardrails/engine';
import type { RenderOutcome } from './synthesize';

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
