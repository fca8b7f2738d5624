import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUARDRAILS } from '../../src/guardrails/rules';
import { analyzeSql } from '../../src/migrations/analysis';
import { loadSnippets, statementFindings } from './corpus';

/**
 * Anchor check against squawk (squawk-cli, pinned in package.json), the field's standard
 * migration linter: over the corpus and the shipped migrations, every squawk finding about locks
 * or compatibility must fall on a statement the project reports too (with one of the rules mapped
 * below), or be listed with a reason in squawk-disagreements.json. A squawk rule that is neither
 * mapped nor listed fails the test, so new upstream checks surface when squawk is upgraded.
 */
const SQUAWK = join(__dirname, '../../node_modules/.bin/squawk');
const KNOWN: {
  ignoredRules: Record<string, string>;
  disagreements: { source: string; rule: string; statement: string; reason: string }[];
} = require('./squawk-disagreements.json');

/** squawk rule → the project rules that report the same problem (MIG002: a destructive statement). */
const MATCHING: Readonly<Record<string, readonly string[]>> = {
  'adding-field-with-default': ['LCK004'],
  'adding-foreign-key-constraint': ['LCK003', 'LCK009', 'MIG011'],
  'adding-not-nullable-field': ['LCK006', 'LCK009', 'MIG003'],
  'adding-required-field': ['MIG003'],
  'adding-serial-primary-key-field': ['LCK004', 'LCK008'],
  'ban-alter-domain-with-add-constraint': ['LCK002', 'MIG011'],
  'ban-concurrent-index-creation-in-transaction': ['MIG003', 'MIG008'],
  'ban-drop-column': ['MIG003', 'MIG002'],
  'ban-drop-database': ['MIG009'],
  'ban-drop-table': ['MIG003', 'MIG002'],
  'ban-truncate-cascade': ['MIG002'],
  'changing-column-type': ['LCK007', 'MIG003', 'MIG011'],
  'constraint-missing-not-valid': ['LCK002', 'LCK003', 'LCK008', 'LCK009'],
  'disallowed-unique-constraint': ['LCK008'],
  'renaming-column': ['MIG003'],
  'renaming-table': ['MIG003'],
  'require-concurrent-index-creation': ['LCK001', 'LCK009'],
  'require-concurrent-reindex': ['LCK010'],
  'transaction-nesting': ['MIG003'],
  'ban-uncommitted-transaction': ['MIG003'],
  // Lock and compatibility findings the project deliberately does not share: each instance is listed with its reason.
  'ban-create-domain-with-constraint': [],
  'ban-drop-not-null': [],
  'require-concurrent-index-deletion': [],
  'require-concurrent-partition-detach': [],
};

interface Source { readonly name: string; readonly sql: string }
interface SquawkFinding { readonly file: string; readonly line: number; readonly rule_name: string; readonly message: string }

const sources: Source[] = [
  ...loadSnippets().map((snippet) => ({ name: snippet.name, sql: snippet.sql })),
  ...readdirSync(join(__dirname, '../../migrations')).flatMap((id) => readdirSync(join(__dirname, '../../migrations', id))
    .map((file) => ({ name: `migrations/${id}/${file}`, sql: readFileSync(join(__dirname, '../../migrations', id, file), 'utf8') }))),
];

/** squawk's findings per source; a file the runner applies in one transaction is linted as one. */
function squawk(): Map<string, SquawkFinding[]> {
  const directory = mkdtempSync(join(tmpdir(), 'squawk-'));
  const paths = sources.map((source, index) => {
    const path = join(directory, `${index}.sql`);
    writeFileSync(path, source.sql);
    return path;
  });
  const findings = new Map<string, SquawkFinding[]>(sources.map((source) => [source.name, []]));
  for (const transactional of [true, false]) {
    const selected = paths.filter((_, index) => analyzeSql(sources[index].sql).transactional === transactional);
    const result = spawnSync(SQUAWK, ['--reporter', 'json', '--pg-version', '18', transactional ? '--assume-in-transaction' : '--no-assume-in-transaction', ...selected], { encoding: 'utf8' });
    if (result.error || result.stdout.trim() === '') throw new Error(`squawk did not run (${result.error?.message ?? result.stderr}): run npm ci`);
    for (const finding of JSON.parse(result.stdout) as SquawkFinding[]) findings.get(sources[paths.indexOf(finding.file)].name)!.push(finding);
  }
  return findings;
}

const RULES = GUARDRAILS.filter((rule) => rule.kinds.includes('Migration') && !['MIG002', 'MIG004', 'MIG005', 'MIG006'].includes(rule.id));

/** The project's rule ids per statement (by its 1-based line), with MIG002 for destructive statements. */
function projectFindings(source: Source): { line: number; text: string; ids: Set<string> }[] {
  const analysis = analyzeSql(source.sql);
  const statements = analysis.statements.map((statement) => ({ line: statement.line, text: statement.text, ids: new Set(statement.destructive ? ['MIG002'] : []) }));
  for (const finding of statementFindings(source.name, analysis, RULES)) statements[finding.statement]?.ids.add(finding.ruleId);
  return statements;
}

let findings: Map<string, SquawkFinding[]>;
beforeAll(() => {
  findings = squawk();
});

test('squawk runs offline from node_modules and reports on the corpus', () => {
  expect([...findings.values()].flat().length).toBeGreaterThan(100);
});

test('every squawk rule that fired is mapped to project rules or ignored with a reason', () => {
  const fired = new Set([...findings.values()].flat().map((finding) => finding.rule_name));
  const unknown = [...fired].filter((rule) => !MATCHING[rule] && !KNOWN.ignoredRules[rule] && !rule.startsWith('prefer-'));
  expect(unknown).toEqual([]);
});

test('every squawk lock or compatibility finding is matched by a project finding, or listed with its reason', () => {
  const unmatched: { source: string; rule: string; statement: string }[] = [];
  for (const source of sources) {
    const statements = projectFindings(source);
    for (const finding of findings.get(source.name)!) {
      if (!MATCHING[finding.rule_name]) continue;
      const statement = statements.filter((candidate) => candidate.line <= finding.line + 1).at(-1);
      if (statement && MATCHING[finding.rule_name].some((id) => statement.ids.has(id))) continue;
      unmatched.push({ source: source.name, rule: finding.rule_name, statement: statement?.text ?? '' });
    }
  }
  const listed = (item: { source: string; rule: string; statement: string }) => KNOWN.disagreements.some((known) => known.source === item.source && known.rule === item.rule && known.statement === item.statement);
  expect(unmatched.filter((item) => !listed(item))).toEqual([]);
  expect(KNOWN.disagreements.filter((known) => !unmatched.some((item) => item.source === known.source && item.rule === known.rule && item.statement === known.statement))).toEqual([]);
  for (const known of [...KNOWN.disagreements, ...Object.values(KNOWN.ignoredRules).map((reason) => ({ reason }))]) expect(known.reason.length).toBeGreaterThan(20);
});
