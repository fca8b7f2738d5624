import { JsonPatch } from 'cdk8s';
import { idsIn, violationsAfter } from '../helpers/fixtures';
import { jobObject, migrationViolations } from '../helpers/migrations';

/** Flux (FLX): variable substitution. */

const addColumn = { id: '0001-add', sql: 'ALTER TABLE users ADD COLUMN nickname text;' };

describe('FLX001: protected from variable substitution', () => {
  test('Noncompliance: ${ added by an override without the annotation, at its field', () => {
    const violations = violationsAfter((charts) => jobObject(charts, 'develop', 'Job').addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { version: '${VERSION}' })));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'FLX001', message: expect.stringMatching(/^Job migrate-0001-create-users-[0-9a-f]{8} contains \$\{ \(at spec.template.metadata.annotations.version\) but is not marked kustomize.toolkit.fluxcd.io\/substitute: disabled$/) }));
  });
  test.each([
    ['a cluster parameter (any kind, not only Jobs)', (env: any) => { env.cluster.postgresqlParameters = { 'app.greeting': 'hello ${USER}' }; }, /^Cluster app-db contains \$\{ \(at spec.postgresql.parameters.app.greeting\)/],
    ['the escaped form $${ (Flux drops one $)', (env: any) => { env.cluster.postgresqlParameters = { 'app.greeting': 'hello $${USER}' }; }, /^Cluster app-db contains \$\{/],
  ])('Noncompliance: ${ in %s', (_case, change, message) => {
    const { violationsOf, withEnvironment } = require('../helpers/fixtures');
    expect(violationsOf(withEnvironment('develop', change))).toContainEqual(expect.objectContaining({ ruleId: 'FLX001', environment: 'develop', message: expect.stringMatching(message) }));
  });
  test('Noncompliance: ${ in the rollback steps (a Job annotation)', () => {
    const violations = migrationViolations([{ ...addColumn, rollback: { steps: 'Restore with PitrRestore, then run psql -d ${DATABASE} -c "SELECT 1" to check.' } }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'FLX001', message: expect.stringMatching(/contains \$\{ \(at metadata.annotations.cnpg-gitops.io\/rollback-steps\)/) }));
  });
  test.each([
    ['the annotation', '/metadata/annotations/kustomize.toolkit.fluxcd.io~1substitute'],
    ['the label', '/metadata/labels/kustomize.toolkit.fluxcd.io~1substitute'],
  ])('Compliance: ${ in an object whose %s says disabled (kustomize-controller reads either)', (_case, pointer) => {
    const violations = violationsAfter((charts) => jobObject(charts, 'develop', 'Job')
      .addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { version: '${VERSION}' }), JsonPatch.add(pointer, 'disabled')));
    expect(idsIn(violations)).not.toContain('FLX001');
  });
  test('Noncompliance: "Disabled" is not "disabled" (kustomize-controller compares exactly)', () => {
    const violations = violationsAfter((charts) => jobObject(charts, 'develop', 'Job')
      .addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { version: '${VERSION}' }), JsonPatch.add('/metadata/annotations/kustomize.toolkit.fluxcd.io~1substitute', 'Disabled')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'FLX001', value: 'Disabled' }));
  });
  test('Compliance: SQL with ${ gets the annotation from the construct', () => {
    const violations = migrationViolations([{ id: '0001-add', sql: "COMMENT ON TABLE users IS '${not a variable}';" }]);
    expect(idsIn(violations)).not.toContain('FLX001');
  });
});
