import { writeFileSync } from 'node:fs';
import { startPostgres, TestServer } from '../helpers/postgres';
import { claimsOf, Disagreement, disagreements, formatReport, loadSnippets, measure, Observation, truthOf } from './corpus';
import { Baseline, createFixture, observe, readBaseline } from './oracle';

/**
 * Truth by experiment: every corpus snippet runs on a real PostgreSQL 18 the way the migration
 * runner runs it (oracle.ts), and what PostgreSQL did (locks, rewrites, scans, errors, what the
 * previous release can still do) is compared with what the analysis and the guardrails claim.
 * A difference fails unless known-disagreements.json lists it with a reason.
 * `npm run sql-report` prints precision and recall per class and the phase accuracy.
 */
const KNOWN: (Disagreement & { reason: string })[] = require('./known-disagreements.json');
const snippets = loadSnippets();
let server: TestServer;
let baseline: Baseline;
let observations: Observation[];

beforeAll(async () => {
  server = await startPostgres({ autovacuum: 'off' });
  await createFixture(server);
  baseline = await readBaseline(server);
  observations = await observe(server, baseline, snippets);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (observations && process.env.SQL_ORACLE_OUT) writeFileSync(process.env.SQL_ORACLE_OUT, JSON.stringify({ fixture: { rows: baseline.rows, readOnly: baseline.readOnly }, observations }, null, 1));
  if (observations && process.env.SQL_REPORT) {
    const pairs = snippets.map((snippet, index) => ({ claimed: claimsOf(snippet), observed: truthOf(observations[index], baseline) }));
    process.stdout.write(formatReport(snippets.length, measure(pairs)));
  }
});

const observed = (name: string) => observations[snippets.findIndex((snippet) => snippet.name === name)];

test('the corpus holds at least 150 uniquely named snippets that PostgreSQL\'s parser accepts', () => {
  expect(snippets.length).toBeGreaterThanOrEqual(150);
  expect(new Set(snippets.map((snippet) => snippet.name)).size).toBe(snippets.length);
  for (const snippet of snippets) expect([snippet.name, claimsOf(snippet).analysis.syntaxError]).toEqual([snippet.name, undefined]);
});

test('the fixture is populated and the previous release works on it', () => {
  expect(baseline.rows).toMatchObject({ users: 6000, orders: 12000, sessions: 4000, audit_log: 5000, settings: 10 });
  expect(baseline.workload.filter((result) => result.statement.kind === 'core' && !result.outcome.startsWith('ok'))).toEqual([]);
});

describe('the oracle observes what PostgreSQL does', () => {
  test('a type change rewrites the table; varchar to text does not', () => {
    expect(observed('int to bigint').statements[0].rewritten).toEqual(['users']);
    expect(observed('varchar to text').statements[0].rewritten).toEqual([]);
  });
  test('CREATE INDEX reads the whole table under a SHARE lock (rank 5)', () => {
    const [statement] = observed('create index').statements;
    expect(statement.locks.users).toBe(5);
    expect(statement.seqRead.users).toBeGreaterThanOrEqual(6000);
  });
  test('a lock taken by the first statement is still held by the second in one transaction, not in autocommit', () => {
    expect(observed('not valid then validate in one transaction').statements.map((s) => s.locks.orders)).toEqual([8, 8]);
    expect(observed('not valid then validate without transaction').statements.map((s) => s.locks.orders)).toEqual([8, 4]);
  });
  test('a new enum value used in the same transaction fails; committed first, it works', () => {
    expect(observed('add enum value and use it').error).toMatchObject({ statement: 1, code: '55P04' });
    expect(observed('add enum value and use it without transaction').error).toBeUndefined();
  });
  test('RESET goes back to the runner\'s timeout; SET ... = 0 disables it', () => {
    expect(observed('reset lock timeout').statements[0].timeoutsDisabled).toEqual([]);
    expect(observed('set lock timeout zero').statements[0].timeoutsDisabled).toEqual(['lock_timeout']);
  });
  test('drops destroy data, renames break the previous release, constraints reject its edge writes', () => {
    expect(observed('drop column').destroyed).toEqual(['public.users.legacy_flag dropped']);
    expect(observed('rename column').coreBroken.length).toBeGreaterThan(0);
    expect(observed('add check constraint not valid').edgeRejected).toEqual([expect.stringMatching(/^INSERT INTO orders .*-10\.00.* → error 23514$/)]);
    expect(observed('add nullable column')).toMatchObject({ destroyed: [], coreBroken: [], edgeRejected: [], catalogChanged: true });
  });
});

test('every claim of the analysis matches PostgreSQL, or the disagreement is listed with its reason', () => {
  const found = snippets.flatMap((snippet, index) => disagreements(snippet.name, claimsOf(snippet), truthOf(observations[index], baseline)));
  const unlisted = found.filter((difference) => !KNOWN.some((known) => known.snippet === difference.snippet && known.item === difference.item && known.difference === difference.difference));
  const stale = KNOWN.filter((known) => !found.some((difference) => known.snippet === difference.snippet && known.item === difference.item && known.difference === difference.difference));
  expect({ unlisted, stale }).toEqual({ unlisted: [], stale: [] });
  for (const known of KNOWN) expect(known.reason.length).toBeGreaterThan(20);
});

test('the corpus left the fixture as it was (every snippet was rolled back or ran on a clone)', async () => {
  const after = await readBaseline(server);
  expect(after.digest).toBe(baseline.digest);
  expect(after.rows).toEqual(baseline.rows);
  expect(after.workload.map((result) => result.outcome)).toEqual(baseline.workload.map((result) => result.outcome));
});
