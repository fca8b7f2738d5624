import { JsonPatch } from 'cdk8s';
import { idsIn, violationsAfter } from '../helpers/fixtures';
import { jobObject, migrationViolations } from '../helpers/migrations';

/** Flux (FLX): variable substitution. */
describe('FLX001: protected from variable substitution', () => {
  test('Noncompliance: ${ added by an override without the annotation', () => {
    const violations = violationsAfter((charts) => jobObject(charts, 'develop', 'Job').addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { version: '${VERSION}' })));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'FLX001', message: expect.stringMatching(/contains \$\{ but is not marked/) }));
  });
  test('Compliance: SQL with ${ gets the annotation from the construct', () => {
    const violations = migrationViolations([{ id: '0001-add', sql: "COMMENT ON TABLE users IS '${not a variable}';" }]);
    expect(idsIn(violations)).not.toContain('FLX001');
  });
});
