import { idsIn } from '../helpers/fixtures';
import { migrationViolations } from '../helpers/migrations';

/** Lock safety (LCK): warnings from the parsed SQL. */

const addColumn = { id: '0001-add', sql: 'ALTER TABLE users ADD COLUMN nickname text;' };

describe.each([
  ['LCK001', 'CREATE INDEX i ON users (a);', 'CREATE INDEX CONCURRENTLY i ON users (a);'],
  ['LCK002', 'ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0);', 'ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0) NOT VALID;'],
  ['LCK003', 'ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users (id);', 'ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users (id) NOT VALID;'],
  ['LCK004', 'ALTER TABLE users ADD COLUMN r float8 DEFAULT random();', 'ALTER TABLE users ADD COLUMN r float8 DEFAULT 0;'],
  ['LCK004', 'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;', 'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS (id * 2) VIRTUAL;'],
  ['LCK005', 'SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN a text;', 'RESET lock_timeout;\nALTER TABLE users ADD COLUMN a text;'],
  ['LCK008', 'ALTER TABLE users ADD CONSTRAINT k UNIQUE (a);', 'ALTER TABLE users ADD CONSTRAINT k UNIQUE USING INDEX k;'],
  ['LCK009', 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;', '-- cnpg-gitops: no-transaction because VALIDATE must not run under the lock\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;'],
  ['LCK009', 'ALTER TABLE users ADD COLUMN a text;\nUPDATE users SET a = b WHERE id BETWEEN 1 AND 100;\nSELECT count(*) FROM orders;', 'ALTER TABLE users ADD COLUMN a text;\nUPDATE users SET a = b WHERE id BETWEEN 1 AND 100;'],
  ['LCK010', 'REFRESH MATERIALIZED VIEW user_stats;', 'REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats;'],
  ['LCK010', 'REINDEX TABLE users;', 'REINDEX TABLE CONCURRENTLY users;'],
  ['LCK011', "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');", 'CREATE TABLE events_2025 (LIKE events);'],
  ['LCK012', 'UPDATE users SET a = lower(b);', 'UPDATE users SET a = lower(b) WHERE id BETWEEN 1 AND 10000;'],
])('%s: lock safety (expand)', (id, violating, compliant) => {
  test('Noncompliance: a warning naming file, line and column, suppressible with a reason', () => {
    const violations = migrationViolations([{ id: '0001-x', sql: violating }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: id, severity: 'warning', configField: '0001-x.sql', message: expect.stringMatching(/^migrations\/0001-x\.sql:\d+:\d+: /) }));
    const suppressed = migrationViolations([{ id: '0001-x', sql: violating, suppressions: [{ id, reason: 'table has 12 rows, lock is instant' }] }]);
    expect(idsIn(suppressed)).not.toContain(id);
  });
  test('Compliance', () => {
    expect(idsIn(migrationViolations([{ id: '0001-x', sql: compliant }]))).not.toContain(id);
  });
});

describe('LCK005: a timeout of 0, however it is spelled', () => {
  test.each(["'0s'", "'0ms'", "' 0 min '", '0.4', "'499us'", "'0x0'"])('Noncompliance: SET lock_timeout = %s', (value) => {
    expect(migrationViolations([{ id: '0001-x', sql: `SET lock_timeout = ${value};\nALTER TABLE users ADD COLUMN a text;` }])).toContainEqual(expect.objectContaining({ ruleId: 'LCK005', configField: '0001-x.sql' }));
  });
  test.each(["'1s'", "'0.6ms'", '5', 'DEFAULT'])('Compliance: SET statement_timeout = %s', (value) => {
    expect(idsIn(migrationViolations([{ id: '0001-x', sql: `SET statement_timeout = ${value};\nALTER TABLE users ADD COLUMN a text;` }]))).not.toContain('LCK005');
  });
  test.each([['lockTimeout', '0s'], ['statementTimeout', '0'], ['lockTimeout', '400us']] as const)('Noncompliance: the catalog\'s %s %j, at its catalog field', (field, value) => {
    expect(migrationViolations([{ ...addColumn, [field]: value }])).toContainEqual(expect.objectContaining({ ruleId: 'LCK005', configFile: 'src/config/migrations.ts', configField: `0001-add.${field}`, value }));
  });
  test('Compliance: the catalog\'s bounded timeouts', () => {
    expect(idsIn(migrationViolations([{ ...addColumn, lockTimeout: '2s', statementTimeout: '1min' }]))).not.toContain('LCK005');
  });
});

test('LCK006\'s recommended recipe (docs/guardrails/LCK006.md) passes MIG003 and every other rule in a contract', () => {
  const page = require('node:fs').readFileSync(require('node:path').join(__dirname, '../../docs/guardrails/LCK006.md'), 'utf8') as string;
  const recipe = page.slice(page.indexOf('use\n')).match(/```sql\n([\s\S]*?)```/)![1];
  expect(recipe).toMatch(/SET NOT NULL/);
  const expand = { id: '0001-add', sql: 'ALTER TABLE users ADD COLUMN email_normalized text;' };
  const violations = migrationViolations([expand, { id: '0002-not-null', release: '2.0.0', phase: 'contract', completes: '0001-add', sql: recipe }]);
  expect(violations.filter((violation) => violation.configField.startsWith('0002-not-null'))).toEqual([]);
});

describe.each([
  ['LCK006', 'ALTER TABLE users ALTER COLUMN a SET NOT NULL;', 'ALTER TABLE users ADD CONSTRAINT a_nn CHECK (a IS NOT NULL);\nALTER TABLE users ALTER COLUMN a SET NOT NULL;'],
  ['LCK007', 'ALTER TABLE users ALTER COLUMN a TYPE integer USING a::integer;', 'ALTER TABLE users ALTER COLUMN a TYPE text;'],
])('%s: lock safety (contract)', (id, violating, compliant) => {
  const expand = { id: '0001-add', sql: 'ALTER TABLE users ADD COLUMN placeholder text;' };
  test('Noncompliance', () => {
    const violations = migrationViolations([expand, { id: '0002-x', release: '2.0.0', phase: 'contract', completes: '0001-add', sql: violating }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: id, severity: 'warning' }));
  });
  test('Compliance', () => {
    expect(idsIn(migrationViolations([expand, { id: '0002-x', release: '2.0.0', phase: 'contract', completes: '0001-add', sql: compliant }]))).not.toContain(id);
  });
});
