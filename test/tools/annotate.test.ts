import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/fixtures';

// The escaping of workflow commands (@actions/core, packages/core/src/command.ts): data escapes
// %, CR and LF; properties also : and ,. A real report is annotated in test/tools/report.test.ts.
function annotate(report: unknown): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'annotate-')), 'report.json');
  if (report !== undefined) writeFileSync(path, JSON.stringify(report));
  const env = { ...process.env };
  delete env.GITHUB_STEP_SUMMARY;
  return spawnSync(process.execPath, [join(REPO_ROOT, 'src/tools/annotate.mjs'), path], { encoding: 'utf8', env }) as any;
}

test('messages and properties are escaped, and an environment not checked is a warning without a file', () => {
  const result = annotate({
    status: 'invalid-config',
    configErrors: [{ file: 'src/config/a,b.ts', field: 'x', message: '100% wrong\nsecond line', value: 'a:b', line: 3, column: 7 }],
    violations: [],
    suppressed: [],
    notChecked: [{ environment: 'staging', reason: 'it clones production, which is not rendered' }],
  });
  expect(result.status).toBe(0);
  expect(result.stdout.trimEnd().split('\n')).toEqual([
    '::error file=src/config/a%2Cb.ts,line=3,col=7,title=config error%3A x::x: 100%25 wrong%0Asecond line (got "a:b")',
    '::warning title=staging%3A guardrails not checked::it clones production, which is not rendered',
  ]);
});

test('a report that cannot be read is one line naming how to write it, and a failure', () => {
  const result = annotate(undefined);
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^npm run annotate: cannot read the guardrail report .*report\.json \(ENOENT[^\n]*\); write it with GUARDRAIL_REPORT=.*report\.json npm run synth\n$/);
});
