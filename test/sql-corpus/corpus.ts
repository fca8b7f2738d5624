import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Guardrail } from '../../src/guardrails/rule';
import { GUARDRAILS } from '../../src/guardrails/rules';
import { analyzeSql, SqlAnalysis } from '../../src/migrations/analysis';

/**
 * The SQL corpus: snippets written against the populated fixture schema (fixture.sql), what
 * PostgreSQL 18 really does with each (oracle.ts), what the analysis and the guardrails claim,
 * and how the two compare. Shared by the oracle test, the squawk anchor test and the report.
 */
export const CORPUS_DIR = __dirname;

export interface Snippet {
  /** Unique name, from its `-- snippet: <name>` line. */
  readonly name: string;
  /** The topic file it comes from, e.g. `snippets/add-column.sql`. */
  readonly file: string;
  readonly sql: string;
}

export function loadSnippets(): Snippet[] {
  const directory = join(CORPUS_DIR, 'snippets');
  return readdirSync(directory).filter((file) => file.endsWith('.sql')).sort().flatMap((file) => {
    const parts = readFileSync(join(directory, file), 'utf8').split(/^-- snippet: (.+)\n/m).slice(1);
    return Array.from({ length: parts.length / 2 }, (_, index) => ({ name: parts[index * 2].trim(), file: `snippets/${file}`, sql: parts[index * 2 + 1] }));
  });
}

/** The previous release's queries: `core` ones must keep working, `edge` writes show narrowing. */
export interface WorkloadStatement {
  readonly kind: 'core' | 'edge';
  readonly sql: string;
}

export function loadWorkload(): WorkloadStatement[] {
  let kind: 'core' | 'edge' = 'core';
  const statements: WorkloadStatement[] = [];
  for (const line of readFileSync(join(CORPUS_DIR, 'previous-release.sql'), 'utf8').split('\n')) {
    if (line === '-- core' || line === '-- edge') kind = line.slice(3) as 'core' | 'edge';
    else if (line.trim() !== '' && !line.startsWith('--')) statements.push({ kind, sql: line.replace(/;$/, '') });
  }
  return statements;
}

/** Hazards measured per statement. */
export const STATEMENT_HAZARDS = ['rewrite', 'scan-under-lock', 'lock-held-across', 'unbatched-dml', 'timeout-disabled'] as const;
/** Properties measured per snippet. */
export const SNIPPET_PROPERTIES = ['fails', 'destructive', 'narrowing'] as const;
export type Hazard = (typeof STATEMENT_HAZARDS)[number];
export type Phase = 'expand' | 'migrate' | 'contract' | 'neutral' | 'unknown';

/** The guardrail that claims each statement hazard. */
const RULE_HAZARD: Readonly<Record<string, Hazard>> = {
  LCK001: 'scan-under-lock', LCK002: 'scan-under-lock', LCK003: 'scan-under-lock', LCK006: 'scan-under-lock', LCK008: 'scan-under-lock', LCK011: 'scan-under-lock',
  LCK004: 'rewrite', LCK007: 'rewrite', LCK010: 'rewrite',
  LCK009: 'lock-held-across',
  LCK012: 'unbatched-dml',
  LCK005: 'timeout-disabled',
};

/** The guardrails whose findings are claims about what PostgreSQL will do. */
const CLAIMING_RULES = GUARDRAILS.filter((rule) => RULE_HAZARD[rule.id] !== undefined || rule.id === 'MIG010');

/** What one side (the analysis, or PostgreSQL) says about a snippet. */
export interface Verdict {
  /** `hazard@statement` (0-based statement index). */
  readonly hazards: ReadonlySet<string>;
  readonly fails: boolean;
  readonly destructive: boolean;
  /** Undefined when not comparable (the snippet is a contract, so everything it narrows is moot). */
  readonly narrowing?: boolean;
  /** Undefined when the snippet fails (nothing ran to classify). */
  readonly phase?: Phase;
  /** The statement PostgreSQL stopped at: nothing after it was observed. */
  readonly failedAt?: number;
}

/**
 * What these rules report on a migration of this SQL in an expand (the review object
 * GuardedMigrationJob renders, with the analysis), as rule id and index of the statement.
 */
export function statementFindings(name: string, analysis: SqlAnalysis, rules: readonly Guardrail[]): { ruleId: string; statement: number }[] {
  const object = { kind: 'Migration', name, path: `corpus/Migration/${name}`, manifest: { id: name, sql: name.replace(/[^a-z0-9-]+/gi, '-'), phase: 'expand', release: '1.0.0', ...analysis } };
  const context = { environment: 'develop', objects: [object], parameters: {}, find: () => undefined, ofKind: () => [object] } as any;
  return rules.flatMap((rule) => rule.check(object, context).map((finding) => {
    const [, line, column] = /^[^:]*:(\d+):(\d+): /.exec(finding.message) ?? [];
    return { ruleId: rule.id, statement: analysis.statements.findIndex((statement) => statement.line === Number(line) && statement.column === Number(column)) };
  }));
}

function phaseOf(classes: readonly string[]): Phase {
  if (classes.includes('unknown')) return 'unknown';
  if (classes.includes('contract')) return 'contract';
  if (classes.includes('expand') || classes.includes('narrow')) return 'expand';
  if (classes.includes('data')) return 'migrate';
  return 'neutral';
}

/** What the analysis and the guardrails claim about a snippet. */
export function claimsOf(snippet: Snippet, rules: readonly Guardrail[] = CLAIMING_RULES): Verdict & { readonly analysis: SqlAnalysis } {
  const analysis = analyzeSql(snippet.sql);
  const findings = statementFindings(snippet.name, analysis, rules);
  const hazards = new Set(findings.filter((finding) => RULE_HAZARD[finding.ruleId]).map((finding) => `${RULE_HAZARD[finding.ruleId]}@${finding.statement}`));
  const fails = findings.some((finding) => finding.ruleId === 'MIG010');
  const classes = analysis.statements.map((statement) => statement.class).filter((cls) => cls !== 'transaction-control');
  const phase = phaseOf(classes);
  return {
    analysis,
    hazards,
    fails,
    destructive: analysis.statements.some((statement) => statement.destructive),
    narrowing: phase === 'contract' ? undefined : classes.includes('narrow'),
    phase: fails ? undefined : phase,
  };
}

/** What PostgreSQL did with one statement of a snippet (oracle.ts). */
export interface StatementObservation {
  /** Strongest lock (rank 1..8, ACCESS SHARE..ACCESS EXCLUSIVE) held on each fixture table after the statement, in its transaction. */
  readonly locks: Readonly<Record<string, number>>;
  /** Fixture tables whose files the statement replaced with non-empty ones (table or index rewrites). */
  readonly rewritten: readonly string[];
  /** Rows the statement read by sequential scans, per fixture table. */
  readonly seqRead: Readonly<Record<string, number>>;
  /** Rows the statement updated or deleted, per fixture table (a thousand or more in one statement: unbatched). */
  readonly changedRows: Readonly<Record<string, number>>;
  /** Timeouts at 0 after the statement. */
  readonly timeoutsDisabled: readonly string[];
}

export interface Observation {
  readonly snippet: string;
  /** Whether it ran as one transaction (the runner's choice from the analysis) or statement by statement. */
  readonly transactional: boolean;
  readonly statements: readonly StatementObservation[];
  readonly error?: { readonly statement: number; readonly code: string; readonly message: string };
  /** Pre-existing data gone: dropped tables and columns, lost rows, values changed by a type change. */
  readonly destroyed: readonly string[];
  /** Whether the schema the application sees changed (relations, columns, constraints, indexes, functions, types...). */
  readonly catalogChanged: boolean;
  readonly dataChanged: boolean;
  /** Core queries of the previous release that fail or return something else afterwards. */
  readonly coreBroken: readonly string[];
  /** Edge writes of the previous release that succeeded before and fail afterwards. */
  readonly edgeRejected: readonly string[];
}

/** A table this size or larger is in use: reading or rewriting all of it is a hazard. */
export const POPULATED_ROWS = 1000;
const SHARE = 5;
const ACCESS_EXCLUSIVE = 8;

/** What the oracle knows of the fixture's relations. */
export interface FixtureRelations {
  readonly rows: Readonly<Record<string, number>>;
  readonly readOnly: readonly string[];
}

/** PostgreSQL's verdict on a snippet, from what the oracle observed. */
export function truthOf(observation: Observation, { rows, readOnly }: FixtureRelations): Verdict {
  const hazards = new Set<string>();
  const blocking = (table: string, rank: number | undefined) => (rank ?? 0) >= (readOnly.includes(table) ? ACCESS_EXCLUSIVE : SHARE);
  const populated = (table: string) => (rows[table] ?? 0) >= POPULATED_ROWS;
  const half = (table: string, count: number | undefined) => populated(table) && (count ?? 0) * 2 >= rows[table];
  observation.statements.forEach((statement, index) => {
    const before = observation.transactional ? observation.statements[index - 1]?.locks ?? {} : {};
    const rewrites = statement.rewritten.filter(populated);
    const scans = Object.keys(statement.seqRead).filter((table) => half(table, statement.seqRead[table]) && !statement.rewritten.includes(table));
    const dml = Object.keys(statement.changedRows).filter((table) => statement.changedRows[table] >= POPULATED_ROWS);
    if (rewrites.length > 0) hazards.add(`rewrite@${index}`);
    if (scans.some((table) => blocking(table, statement.locks[table]) && !blocking(table, before[table]))) hazards.add(`scan-under-lock@${index}`);
    if (dml.length > 0) hazards.add(`unbatched-dml@${index}`);
    const longPass = rewrites.length + scans.length + dml.length > 0;
    if (longPass && Object.keys(before).some((table) => blocking(table, before[table]))) hazards.add(`lock-held-across@${index}`);
    if (statement.timeoutsDisabled.length > 0) hazards.add(`timeout-disabled@${index}`);
  });
  const fails = observation.error !== undefined;
  const phase: Phase = observation.coreBroken.length > 0 ? 'contract' : observation.catalogChanged ? 'expand' : observation.dataChanged ? 'migrate' : 'neutral';
  return {
    hazards,
    fails,
    failedAt: observation.error?.statement,
    destructive: observation.destroyed.length > 0,
    narrowing: fails || phase === 'contract' ? undefined : observation.edgeRejected.length > 0,
    phase: fails ? undefined : phase,
  };
}

/** One difference between the claims and PostgreSQL, as listed in known-disagreements.json. */
export interface Disagreement {
  readonly snippet: string;
  /** `hazard@statement`, `fails`, `destructive`, `narrowing` or `phase`. */
  readonly item: string;
  /** e.g. `claimed, not observed`, `observed, not claimed`, `claimed expand, observed contract`. */
  readonly difference: string;
}

/** The claims PostgreSQL could check: none about statements at or after the one it stopped at. */
function checkable(claimed: Verdict, observed: Verdict): Verdict {
  if (observed.failedAt === undefined) return claimed;
  return { ...claimed, hazards: new Set([...claimed.hazards].filter((hazard) => Number(hazard.split('@')[1]) < observed.failedAt!)) };
}

export function disagreements(snippet: string, claims: Verdict, observed: Verdict): Disagreement[] {
  const claimed = checkable(claims, observed);
  const found: Disagreement[] = [];
  for (const hazard of new Set([...claimed.hazards, ...observed.hazards])) {
    if (claimed.hazards.has(hazard) !== observed.hazards.has(hazard)) found.push({ snippet, item: hazard, difference: claimed.hazards.has(hazard) ? 'claimed, not observed' : 'observed, not claimed' });
  }
  for (const item of SNIPPET_PROPERTIES) {
    const [claim, truth] = [claimed[item], observed[item]];
    if (claim !== undefined && truth !== undefined && claim !== truth) found.push({ snippet, item, difference: claim ? 'claimed, not observed' : 'observed, not claimed' });
  }
  if (claimed.phase !== undefined && observed.phase !== undefined && claimed.phase !== observed.phase) {
    found.push({ snippet, item: 'phase', difference: `claimed ${claimed.phase}, observed ${observed.phase}` });
  }
  return found;
}

export interface Score { readonly truePositives: number; readonly falsePositives: number; readonly falseNegatives: number }

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);
export const precision = (score: Score) => ratio(score.truePositives, score.truePositives + score.falsePositives);
export const recall = (score: Score) => ratio(score.truePositives, score.truePositives + score.falseNegatives);

/** Precision and recall per hazard class and snippet property, and exact phase accuracy, over the corpus. */
export function measure(pairs: readonly { claimed: Verdict; observed: Verdict }[]) {
  const scores: Record<string, { truePositives: number; falsePositives: number; falseNegatives: number }> = {};
  const count = (key: string, claim: boolean, truth: boolean) => {
    scores[key] ??= { truePositives: 0, falsePositives: 0, falseNegatives: 0 };
    if (claim && truth) scores[key].truePositives += 1;
    else if (claim) scores[key].falsePositives += 1;
    else if (truth) scores[key].falseNegatives += 1;
  };
  let phases = 0;
  let exact = 0;
  for (const { claimed: claims, observed } of pairs) {
    const claimed = checkable(claims, observed);
    for (const hazard of new Set([...claimed.hazards, ...observed.hazards])) count(hazard.split('@')[0], claimed.hazards.has(hazard), observed.hazards.has(hazard));
    for (const item of SNIPPET_PROPERTIES) {
      if (claimed[item] !== undefined && observed[item] !== undefined) count(item, claimed[item]!, observed[item]!);
    }
    if (observed.phase !== undefined) {
      phases += 1;
      if (claimed.phase === observed.phase) exact += 1;
    }
  }
  const hazardTotal = STATEMENT_HAZARDS.reduce((total, hazard) => {
    const score = scores[hazard] ?? { truePositives: 0, falsePositives: 0, falseNegatives: 0 };
    return { truePositives: total.truePositives + score.truePositives, falsePositives: total.falsePositives + score.falsePositives, falseNegatives: total.falseNegatives + score.falseNegatives };
  }, { truePositives: 0, falsePositives: 0, falseNegatives: 0 });
  return { scores, hazardTotal, phaseAccuracy: ratio(exact, phases), phases, exactPhases: exact };
}

export function formatReport(snippets: number, result: ReturnType<typeof measure>): string {
  const row = (name: string, score: Score) => `  ${name.padEnd(18)} ${precision(score).toFixed(2).padStart(9)} ${recall(score).toFixed(2).padStart(6)}   (TP ${score.truePositives}, FP ${score.falsePositives}, FN ${score.falseNegatives})`;
  return [
    `SQL analysis against PostgreSQL 18 on ${snippets} corpus snippets (test/sql-corpus)`,
    '  class              precision recall',
    ...[...STATEMENT_HAZARDS, ...SNIPPET_PROPERTIES].map((name) => row(name, result.scores[name] ?? { truePositives: 0, falsePositives: 0, falseNegatives: 0 })),
    row('all lock hazards', result.hazardTotal),
    `  phase exact: ${result.phaseAccuracy.toFixed(2)} (${result.exactPhases} of ${result.phases} snippets that run)`,
    '',
  ].join('\n');
}
