import { ApiObject, JsonPatch } from 'cdk8s';
import { idsIn, violationsAfter } from '../helpers/fixtures';
import { sqlSha256 } from '../../src/migrations/analysis';
import { jobObject, migrationViolations } from '../helpers/migrations';

/** Migrations (MIG): backup and gate, rollback plan, expand/contract, parsing, staging validation, Job safety. */

const addColumn = { id: '0001-add', sql: 'ALTER TABLE users ADD COLUMN nickname text;' };

describe('MIG001: pre-migration backup and gate', () => {
  test('Noncompliance: the gate init container is removed', () => {
    const violations = violationsAfter((charts) => jobObject(charts, 'production', 'Job').addJsonPatch(JsonPatch.remove('/spec/template/spec/initContainers/1')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG001', environment: 'production', message: expect.stringMatching(/does not take and wait for its backup in a gate/) }));
  });
  test('Noncompliance: the Job may not create its Backup', () => {
    const violations = violationsAfter((charts) => jobObject(charts, 'develop', 'Role').addJsonPatch(JsonPatch.replace('/rules/1/verbs', ['get'])));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG001', message: expect.stringMatching(/may not create its pre-migration Backup/) }));
  });
  test('Noncompliance: the target cluster does not archive WAL', () => {
    const violations = violationsAfter((charts) => (charts.find((c) => c.environment.name === 'develop' && c.directory.includes('cnpg-clusters'))!
      .node.findAll().find((c) => c instanceof ApiObject && c.kind === 'Cluster') as ApiObject).addJsonPatch(JsonPatch.remove('/spec/plugins')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG001', message: expect.stringMatching(/does not archive WAL/) }));
  });
  test('Compliance: every shipped migration Job', () => {
    expect(idsIn(violationsAfter(() => undefined))).not.toContain('MIG001');
  });
});

describe('MIG002: rollback plan', () => {
  test('Noncompliance: a destructive migration that only plans down-sql', () => {
    const violations = migrationViolations([{ id: '0001-drop', phase: 'contract', completes: undefined, sql: 'ALTER TABLE users DROP COLUMN email;', downSql: 'ALTER TABLE users ADD COLUMN email text;', rollback: { strategies: ['down-sql'] } }]);
    expect(violations).toContainEqual(expect.objectContaining({
      ruleId: 'MIG002',
      configFile: 'src/config/migrations.ts',
      configField: '0001-drop.rollback.strategies',
      message: expect.stringMatching(/destroys data \(line 1: drop column users.email\) but its rollback does not include pitr/),
    }));
  });
  test.each([
    ['no strategy', { strategies: [] }, /names no rollback strategy/],
    ['steps too short', { steps: 'restore' }, /no written rollback steps/],
    ['down-sql without a script', { strategies: ['down-sql' as const] }, /plans down-sql without a down script/],
  ])('Noncompliance: %s', (_case, rollback, message) => {
    expect(migrationViolations([{ ...addColumn, rollback }])).toContainEqual(expect.objectContaining({ ruleId: 'MIG002', message: expect.stringMatching(message) }));
  });
  test('Compliance: destructive with pitr; additive with down-sql', () => {
    const violations = migrationViolations([
      { ...addColumn, downSql: 'ALTER TABLE users DROP COLUMN nickname;', rollback: { strategies: ['down-sql'] } },
      { id: '0002-truncate', release: '2.0.0', phase: 'contract', completes: '0001-add', sql: 'TRUNCATE sessions;', rollback: { strategies: ['pitr', 'forward-fix'] } },
    ]);
    expect(idsIn(violations)).not.toContain('MIG002');
  });
});

describe('MIG003: statements match the phase', () => {
  test('Noncompliance: a breaking statement in an expand, reported at its line and column', () => {
    const violations = migrationViolations([{ id: '0001-mixed', sql: 'ALTER TABLE users ADD COLUMN a text;\n  ALTER TABLE users DROP COLUMN b;' }]);
    expect(violations).toContainEqual(expect.objectContaining({
      ruleId: 'MIG003',
      configField: '0001-mixed.sql',
      message: 'migrations/0001-mixed.sql:2:3: "drop column users.b" is breaking for the previous release and belongs in a contract migration, not in this expand',
    }));
  });
  test('Noncompliance: a contract that also expands', () => {
    const violations = migrationViolations([
      addColumn,
      { id: '0002-contract', release: '2.0.0', phase: 'contract', completes: '0001-add', sql: 'ALTER TABLE users DROP COLUMN email;\nCREATE TABLE x (id int);' },
    ]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG003', message: expect.stringMatching(/create table x" is an expand statement: a migration must not mix expand and contract/) }));
  });
  test.each([
    ['a schema change in a migrate', 'migrate', 'CREATE TABLE x (id int);', /put it in an expand migration/],
    ['BEGIN/COMMIT', 'expand', 'BEGIN; CREATE TABLE x (id int); COMMIT;', /the runner owns BEGIN\/COMMIT/],
    ['a contract in a migrate', 'migrate', 'ALTER TABLE users DROP COLUMN b;', /is breaking for the previous release and belongs in a contract migration, not in this migrate/],
  ])('Noncompliance: %s', (_case, phase, sql, message) => {
    expect(migrationViolations([{ id: '0001-x', phase: phase as any, sql }])).toContainEqual(expect.objectContaining({ ruleId: 'MIG003', message: expect.stringMatching(message) }));
  });
  test('Compliance: expand with a backfill; migrate with data only', () => {
    const violations = migrationViolations([
      { id: '0001-add', sql: 'ALTER TABLE users ADD COLUMN a text;\nUPDATE users SET a = b;' },
      { id: '0002-fill', phase: 'migrate', sql: "SET lock_timeout = '1s';\nUPDATE users SET a = lower(a);" },
    ]);
    expect(idsIn(violations)).not.toContain('MIG003');
  });
});

describe('MIG004: contract after its expand', () => {
  const contract = { id: '0002-drop', phase: 'contract' as const, completes: '0001-add', sql: 'ALTER TABLE users DROP COLUMN email;' };
  test('Noncompliance: contract in the same release as its expand', () => {
    expect(migrationViolations([addColumn, { ...contract, release: '1.0.0' }])).toContainEqual(expect.objectContaining({
      ruleId: 'MIG004', configField: '0002-drop.release', message: 'contract 0002-drop ships in release 1.0.0, not after its expand 0001-add (release 1.0.0)',
    }));
  });
  test('Noncompliance: contract that names no expand', () => {
    expect(migrationViolations([{ ...contract, completes: undefined, release: '2.0.0' }])).toContainEqual(expect.objectContaining({ ruleId: 'MIG004', configField: '0002-drop.completes' }));
  });
  test('Noncompliance: the expand is not applied in that environment', () => {
    const violations = migrationViolations([addColumn, { ...contract, release: '2.0.0' }], { applied: { develop: ['0002-drop'] } });
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG004', environment: 'develop', message: 'contract 0002-drop completes 0001-add, which this environment does not apply' }));
  });
  test('Noncompliance: applied before its expand', () => {
    // migrations.applied follows the catalog (src/config/validate.ts): here the catalog lists the contract first.
    const violations = migrationViolations([{ ...contract, release: '2.0.0' }, addColumn]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG004', message: 'contract 0002-drop is applied before its expand 0001-add' }));
  });
  test('Noncompliance: completes on an expand', () => {
    expect(migrationViolations([{ ...addColumn, completes: '0000' }])).toContainEqual(expect.objectContaining({ ruleId: 'MIG004', message: expect.stringMatching(/names completes, which only a contract may/) }));
  });
  test('Compliance: a later release', () => {
    expect(idsIn(migrationViolations([addColumn, { ...contract, release: '1.1.0' }]))).not.toContain('MIG004');
  });

  describe('what a contract removes was added in an earlier release, whatever completes names', () => {
    const orders = { id: '0001-orders', release: '1.5.0', sql: 'CREATE TABLE orders (id bigint, legacy text);' };
    const note = { id: '0002-note', release: '1.6.0', sql: 'ALTER TABLE orders ADD COLUMN note text;' };
    const drop = (sql: string) => ({ id: '0003-drop', release: '1.6.0', phase: 'contract' as const, completes: '0001-orders', sql });
    test.each([
      ['drops a column an expand of its release adds', [orders, note], 'ALTER TABLE orders DROP COLUMN note;', 'orders.note', '0002-note'],
      ['renames that column', [orders, note], 'ALTER TABLE orders RENAME COLUMN note TO remark;', 'orders.note', '0002-note'],
      ['drops the table that column was added to', [orders, note], 'DROP TABLE orders;', 'orders.note', '0002-note'],
      ['drops a column of a table created in its release', [{ id: '0000-users', release: '1.5.0', sql: 'CREATE TABLE accounts (id bigint);' }, { ...orders, release: '1.6.0' }], 'ALTER TABLE orders DROP COLUMN legacy;', 'orders.legacy', '0001-orders'],
      ['drops, unqualified, a column an expand added schema-qualified', [orders, { ...note, sql: 'ALTER TABLE public.orders ADD COLUMN note text;' }], 'ALTER TABLE orders DROP COLUMN note;', 'orders.note', '0002-note'],
      ['drops a view an expand of its release creates', [orders, { ...note, sql: 'CREATE VIEW open_orders AS SELECT id FROM orders;' }], 'DROP VIEW open_orders;', 'open_orders', '0002-note'],
      ['renames that view', [orders, { ...note, sql: 'CREATE VIEW open_orders AS SELECT id FROM orders;' }], 'ALTER VIEW open_orders RENAME TO orders_open;', 'open_orders', '0002-note'],
      ['drops, with CASCADE, the schema of a table an expand of its release creates', [orders, { ...note, sql: 'CREATE TABLE reporting.totals (n bigint);' }], 'DROP SCHEMA reporting CASCADE;', 'reporting.totals', '0002-note'],
      ['drops the public schema with CASCADE, taking an unqualified column along', [orders, note], 'DROP SCHEMA public CASCADE;', 'orders.note', '0002-note'],
    ])('Noncompliance: the contract %s', (_case, earlier, sql, object, added) => {
      const migrations = [...earlier, { ...drop(sql), completes: earlier[0].id }];
      expect(migrationViolations(migrations)).toContainEqual(expect.objectContaining({
        ruleId: 'MIG004',
        environment: 'develop',
        configField: '0003-drop.sql',
        message: `migrations/0003-drop.sql:1:1: contract 0003-drop (release 1.6.0) removes ${object}, which ${added} added in release 1.6.0: a contract may only remove what an earlier release added, whatever completes names; give 0003-drop a release after 1.6.0, or move the removal to a later contract`,
      }));
    });
    test('Compliance: the same removal a release later; a removal of what an earlier release added', () => {
      expect(idsIn(migrationViolations([orders, note, { ...drop('ALTER TABLE orders DROP COLUMN note;'), release: '1.7.0' }]))).not.toContain('MIG004');
      expect(idsIn(migrationViolations([orders, note, drop('ALTER TABLE orders DROP COLUMN legacy;')]))).not.toContain('MIG004');
    });
    test('Compliance: a schema dropped with CASCADE that holds nothing of its release', () => {
      const totals = { ...note, sql: 'CREATE TABLE reporting.totals (n bigint);' };
      expect(idsIn(migrationViolations([orders, totals, drop('DROP SCHEMA archive CASCADE;')]))).not.toContain('MIG004');
      expect(idsIn(migrationViolations([orders, totals, { ...drop('DROP SCHEMA reporting CASCADE;'), release: '1.7.0' }]))).not.toContain('MIG004');
    });
    test('Compliance: a helper a migrate step of its release created (no release used it), dropped or swapped in', () => {
      const progress = { id: '0002-progress', release: '1.6.0', phase: 'migrate' as const, sql: 'CREATE TABLE backfill_progress (id bigint);' };
      expect(idsIn(migrationViolations([orders, progress, drop('DROP TABLE backfill_progress;')]))).not.toContain('MIG004');
      expect(idsIn(migrationViolations([orders, progress, drop('ALTER TABLE backfill_progress RENAME TO progress_done;')]))).not.toContain('MIG004');
    });
  });
});

describe('MIG005: SQL parses', () => {
  test('Noncompliance: the parser message and position, for up and down SQL', () => {
    const violations = migrationViolations([{ ...addColumn, sql: 'SELECT 1;\nALTER TABLE users ADD COLUMN;', downSql: 'DROP TABEL x;' }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG005', configField: '0001-add.sql', message: 'migrations/0001-add.sql:2:29: syntax error at or near ";"' }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG005', configField: '0001-add.rollback.downSql', message: 'migrations/0001-add.down.sql:1:6: syntax error at or near "TABEL"' }));
  });
  test('Compliance: valid SQL', () => {
    expect(idsIn(migrationViolations([addColumn]))).not.toContain('MIG005');
  });
});

describe('MIG006: validated on a recent clone before production', () => {
  const record = (change: object) => [{ migration: '0001-add', sqlSha256: 'sha256:0'.padEnd(71, '0'), validatedAt: '2026-11-18T10:00:00Z', clonedOn: '2026-11-16', ...change }];
  test('Noncompliance: no record', () => {
    const violations = migrationViolations([addColumn], { validations: [] });
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG006', environment: 'production', configFile: 'src/config/staging.ts', configField: 'migrationValidations', message: 'migration 0001-add has no validation record from staging' }));
    expect(idsIn(violations, 'staging')).not.toContain('MIG006');
  });
  test('Noncompliance: the SQL changed since validation', () => {
    expect(migrationViolations([addColumn], { validations: record({}) })).toContainEqual(expect.objectContaining({ ruleId: 'MIG006', message: expect.stringMatching(/the SQL of 0001-add changed since it was validated in staging/) }));
  });
  test('Noncompliance: the clone was too old when the migration ran', () => {
    const sha = require('../../src/migrations/analysis').sqlSha256(addColumn.sql);
    expect(migrationViolations([addColumn], { validations: record({ sqlSha256: sha, clonedOn: '2026-11-01', validatedAt: '2026-11-15T10:00:00Z' }) }))
      .toContainEqual(expect.objectContaining({ ruleId: 'MIG006', message: 'the validation of 0001-add ran on a clone 14 days old, more than 7' }));
  });
  test('Noncompliance: a record dated in the future is no evidence', () => {
    const sha = require('../../src/migrations/analysis').sqlSha256(addColumn.sql);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(migrationViolations([addColumn], { validations: record({ sqlSha256: sha, validatedAt: tomorrow }) }))
      .toContainEqual(expect.objectContaining({ ruleId: 'MIG006', configFile: 'src/config/staging.ts', message: `the validation of 0001-add is dated ${tomorrow}, in the future: a record is evidence of a run that happened; copy it from the staging Job's output` }));
  });
  test.each([
    ['a record of a migration staging does not apply', { validations: [{ migration: '0009-elsewhere', sqlSha256: `sha256:${'0'.repeat(64)}`, validatedAt: '2026-11-18T10:00:00Z', clonedOn: '2026-11-16' }] }, 'migrationValidations[0].migration', /names migration "0009-elsewhere", which this database does not apply \(migrations.applied\)/],
    ['a record dated on a day that does not exist', { validations: [{ migration: '0001-add', sqlSha256: `sha256:${'0'.repeat(64)}`, validatedAt: '2026-02-30T10:00:00Z', clonedOn: '2026-11-16' }] }, 'migrationValidations[0].validatedAt', /February 2026 has 28 days/],
    ['a record at an hour that does not exist', { validations: [{ migration: '0001-add', sqlSha256: `sha256:${'0'.repeat(64)}`, validatedAt: '2026-11-18T24:00:00Z', clonedOn: '2026-11-16' }] }, 'migrationValidations[0].validatedAt', /hour 24 does not exist/],
    // Staging's cloneFrom.clonedOn is 2026-11-16: a run a week later cannot name a later clone to look recent.
    ['a record of a clone later than staging\'s', { validations: record({ sqlSha256: sqlSha256(addColumn.sql), validatedAt: '2026-11-24T10:00:00Z', clonedOn: '2026-11-23' }) }, 'migrationValidations[0].clonedOn',
      /^is later than this environment's clone \(cloneFrom.clonedOn "2026-11-16"\): the migration Job prints the clone date it runs on, so no run of "0001-add" happened on a clone of "2026-11-23"; copy the record the Job printed, unchanged$/],
    ['a record validated before its clone was taken', { validations: record({ sqlSha256: sqlSha256(addColumn.sql), validatedAt: '2026-11-15T10:00:00Z' }) }, 'migrationValidations[0].validatedAt',
      /^is before the clone it claims to have run on \(clonedOn "2026-11-16"\): a run on a clone happens after the clone is taken; copy the record the Job printed, unchanged$/],
  ])('Noncompliance (config): %s', (_case, options, field, message) => {
    const { renderEnvironments } = require('../../src/synthesize');
    const outcome = renderEnvironments(require('../helpers/migrations').migrationEstate([addColumn], options));
    expect(outcome.configErrors).toContainEqual(expect.objectContaining({ file: 'src/config/staging.ts', field, message: expect.stringMatching(message) }));
  });
  test('Compliance: same checksum, clone two days old', () => {
    expect(idsIn(migrationViolations([addColumn]))).not.toContain('MIG006');
  });
});

describe('MIG007: the Job runs once, in order, and is kept', () => {
  test.each([
    ['Flux may patch it', JsonPatch.remove('/metadata/annotations/kustomize.toolkit.fluxcd.io~1ssa'), /Flux would patch Job migrate-0001-create-users-[0-9a-f]{8} on any change in Git/],
    ['Flux re-creates it', JsonPatch.add('/metadata/annotations/kustomize.toolkit.fluxcd.io~1force', 'Enabled'), /Flux re-creates Job .* whenever it changes/],
    ['no predecessor named', JsonPatch.remove('/metadata/annotations/cnpg-gitops.io~1after'), /does not name the migration before it \(cnpg-gitops.io\/after\)/],
    ['a TTL', JsonPatch.add('/spec/ttlSecondsAfterFinished', 600), /is deleted after it finishes/],
    ['retries', JsonPatch.replace('/spec/backoffLimit', 3), /may retry \(backoffLimit 3\)/],
    ['no deadline', JsonPatch.remove('/spec/activeDeadlineSeconds'), /has no deadline/],
    ['restarts', JsonPatch.replace('/spec/template/spec/restartPolicy', 'OnFailure'), /restarts its containers/],
  ])('Noncompliance: %s', (_case, patch, message) => {
    expect(violationsAfter((charts) => jobObject(charts, 'develop', 'Job').addJsonPatch(patch))).toContainEqual(expect.objectContaining({ ruleId: 'MIG007', message: expect.stringMatching(message) }));
  });
  test('Compliance: the rendered Jobs', () => {
    expect(idsIn(violationsAfter(() => undefined))).not.toContain('MIG007');
  });
});

describe('MIG008: non-transactional statements stand alone', () => {
  test('Noncompliance: CONCURRENTLY next to other statements', () => {
    const violations = migrationViolations([{ id: '0001-add', sql: 'ALTER TABLE users ADD COLUMN a text;\nCREATE INDEX CONCURRENTLY i ON users (a);' }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG008', severity: 'warning', message: expect.stringMatching(/^migrations\/0001-add.sql:2:1: "create index i on users" cannot run in a transaction, so the other 1 statement/) }));
  });
  test('Compliance: alone, or next to session settings', () => {
    expect(idsIn(migrationViolations([{ id: '0001-add', sql: 'CREATE INDEX CONCURRENTLY i ON users (a);' }]))).not.toContain('MIG008');
    expect(idsIn(migrationViolations([{ id: '0001-add', sql: "SET maintenance_work_mem = '1GB';\nCREATE INDEX CONCURRENTLY i ON users (a);\nRESET maintenance_work_mem;" }]))).not.toContain('MIG008');
  });
  test('Noncompliance: LOCK TABLE in a file that runs statement by statement', () => {
    const violations = migrationViolations([{ id: '0001-x', sql: 'LOCK TABLE users IN SHARE MODE;\nCREATE INDEX CONCURRENTLY i ON users (a);' }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG008', message: expect.stringMatching(/^migrations\/0001-x\.sql:1:1: "lock table" only works in a transaction/) }));
  });
  test('Compliance: a file its author marked no-transaction with a reason', () => {
    const sql = 'ALTER TABLE users ADD COLUMN a text;\nCREATE INDEX CONCURRENTLY i ON users (a);';
    const marked = `-- cnpg-gitops: no-transaction because each statement may commit on its own\n${sql}`;
    expect(idsIn(migrationViolations([{ id: '0001-add', sql: marked }]))).not.toContain('MIG008');
    expect(idsIn(migrationViolations([{ id: '0001-add', sql }]))).toContain('MIG008');
  });
});

describe('MIG009: statements the analysis cannot classify are declared', () => {
  test('Noncompliance: an undeclared DO block is a warning that shows the declaration', () => {
    const violations = migrationViolations([{ id: '0001-x', sql: 'DO $$ BEGIN PERFORM 1; END $$;' }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG009', severity: 'warning', message: expect.stringMatching(/^migrations\/0001-x\.sql:1:1: "DO block is not analysed": declare what it does .*-- cnpg-gitops: expand because/) }));
    expect(idsIn(violations)).not.toContain('MIG003');
  });
  test('Noncompliance: a declaration on a statement the analysis classifies is reported, and the statement keeps its class', () => {
    const violations = migrationViolations([{ id: '0001-x', sql: '-- cnpg-gitops: expand because trust me on this one\nALTER TABLE users DROP COLUMN b;' }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'MIG009', message: expect.stringMatching(/is ignored: the analysis classifies "drop column users.b" as contract itself/) }));
    expect(idsIn(violations)).toContain('MIG003');
  });
  test('Compliance: a declared DO block counts in its declared class', () => {
    const declared = '-- cnpg-gitops: contract because it drops the legacy role of release 1.2\nDO $$ BEGIN DROP ROLE IF EXISTS legacy; END $$;';
    expect(idsIn(migrationViolations([{ id: '0001-x', sql: declared }]))).toEqual(expect.arrayContaining(['MIG003']));
    expect(idsIn(migrationViolations([{ id: '0001-x', sql: declared }]))).not.toContain('MIG009');
  });
  test('Noncompliance: a malformed directive fails MIG005 at its line', () => {
    expect(migrationViolations([{ id: '0001-x', sql: '-- cnpg-gitops: expand\nDO $$ BEGIN PERFORM 1; END $$;' }])).toContainEqual(expect.objectContaining({ ruleId: 'MIG005', message: expect.stringMatching(/^migrations\/0001-x\.sql:1:1: malformed directive/) }));
  });
});

describe('MIG010: a new enum value is used after its transaction commits', () => {
  const adds = "ALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE id = 1;";
  test('Noncompliance: added and used in one transaction is an error', () => {
    expect(migrationViolations([{ id: '0001-x', sql: adds }])).toContainEqual(expect.objectContaining({ ruleId: 'MIG010', severity: 'error', message: expect.stringMatching(/^migrations\/0001-x\.sql:2:1: uses the enum value 'refunded' added at line 1/) }));
  });
  test('Compliance: in a no-transaction file, or in a later migration', () => {
    expect(idsIn(migrationViolations([{ id: '0001-x', sql: `-- cnpg-gitops: no-transaction because the value must commit first\n${adds}` }]))).not.toContain('MIG010');
    expect(idsIn(migrationViolations([{ id: '0001-x', sql: "ALTER TYPE order_status ADD VALUE 'refunded';" }]))).not.toContain('MIG010');
  });
});

describe('MIG011: constraints on existing columns ship when the previous release complies', () => {
  test('Noncompliance: a CHECK on an existing column in an expand', () => {
    expect(migrationViolations([{ id: '0001-x', sql: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;' }])).toContainEqual(expect.objectContaining({
      ruleId: 'MIG011', severity: 'warning', message: expect.stringMatching(/"add check constraint c on orders" narrows what the previous release may write to orders\.total/),
    }));
  });
  test('Compliance: on a column an earlier expand of the same release adds', () => {
    const violations = migrationViolations([
      { id: '0001-add', release: '1.4.0', sql: 'ALTER TABLE orders ADD COLUMN t int;' },
      { id: '0002-check', release: '1.4.0', sql: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (t >= 0) NOT VALID;' },
    ]);
    expect(idsIn(violations)).not.toContain('MIG011');
    const later = migrationViolations([
      { id: '0001-add', release: '1.4.0', sql: 'ALTER TABLE orders ADD COLUMN t int;' },
      { id: '0002-check', release: '1.5.0', sql: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (t >= 0) NOT VALID;' },
    ]);
    expect(idsIn(later)).toContain('MIG011');
  });
  test('Compliance: on a column the same file adds; in a contract', () => {
    expect(idsIn(migrationViolations([{ id: '0001-x', sql: 'ALTER TABLE orders ADD COLUMN t int;\nALTER TABLE orders ADD CONSTRAINT c CHECK (t >= 0) NOT VALID;' }]))).not.toContain('MIG011');
    const contract = { id: '0002-x', release: '2.0.0', phase: 'contract' as const, completes: '0001-add', sql: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;' };
    const violations = migrationViolations([addColumn, contract]);
    expect(idsIn(violations)).not.toContain('MIG011');
    expect(idsIn(violations)).not.toContain('MIG003');
  });
});
