import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '../..');

/**
 * A construct is built synchronously and a user never awaits the parser: without loadSqlParser()
 * parsing goes through a worker thread, with the same answers as after it. It runs in a fresh
 * Node process, since the test setup loads the parser into the jest worker.
 */
test('parsing works without loading the parser first, with the same results', () => {
  const bundle = spawnSync(join(REPO, 'node_modules/.bin/esbuild'), [join(REPO, 'src/migrations/sql-parser.ts'), '--bundle', '--platform=node', '--format=cjs', '--external:libpg-query', '--log-level=error'], { encoding: 'utf8' });
  expect(bundle.status).toBe(0);
  const parser = join(mkdtempSync(join(tmpdir(), 'parser-')), 'sql-parser.cjs');
  writeFileSync(parser, bundle.stdout);
  const program = `
    const { parseSql, loadSqlParser } = require(${JSON.stringify(parser)});
    const inputs = ['ALTER TABLE users ADD COLUMN nickname text; -- why\\nSELEC 1;', 'CREATE TABLE t (id int);\\n-- a comment\\nCREATE INDEX CONCURRENTLY i ON t (id);'];
    const before = inputs.map(parseSql);
    loadSqlParser().then(() => console.log(JSON.stringify({ before, after: inputs.map(parseSql) })));
  `;
  const run = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', cwd: REPO, env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') } });
  expect(run.stderr).toBe('');
  const { before, after } = JSON.parse(run.stdout);
  expect(before).toEqual(after);
  expect(before[0]).toEqual({ ok: false, error: expect.objectContaining({ message: expect.stringMatching(/syntax error at or near "SELEC"/), line: 2, column: 1 }) });
  expect(before[1].statements.map((statement: { type: string }) => statement.type)).toEqual(['CreateStmt', 'IndexStmt']);
  expect(before[1].comments).toEqual([{ text: '-- a comment', line: 2, column: 1 }]);
});
