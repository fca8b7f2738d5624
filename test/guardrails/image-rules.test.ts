import { idsIn, shippedEnvironments, violationsOf, withEnvironment } from '../helpers/fixtures';
import { migrationViolations } from '../helpers/migrations';

/** Images (IMG): pinned by digest. */

describe('IMG001: images pinned by digest', () => {
  const digest = `@sha256:${'0123456789abcdef'.repeat(4)}`;
  test('Noncompliance: the cluster and the gate, once per database, in production only', () => {
    const violations = violationsOf(shippedEnvironments()).filter((violation) => violation.ruleId === 'IMG001');
    expect(violations.map((violation) => [violation.message, violation.value])).toEqual([
      ['the migration gate of cluster app-db runs an image pinned by tag only', 'docker.io/alpine/k8s:1.32.4'],
      ['cluster app-db runs an image pinned by tag only', 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie'],
    ]);
  });
  test('Noncompliance: a migration\'s own image, at its catalog field', () => {
    const violations = migrationViolations([{ id: '0001-own-tool', sql: 'SELECT 1;', image: 'ghcr.io/acme/migrator:2.1.0', command: ['migrate'] }]);
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'IMG001', configFile: 'src/config/migrations.ts', configField: '0001-own-tool.image', value: 'ghcr.io/acme/migrator:2.1.0' }));
  });
  test('Compliance: digests everywhere', () => {
    const pinned = withEnvironment('production', (env) => {
      env.cluster.imageName = `ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie${digest}`;
      env.migrations = { ...env.migrations!, gateImage: `docker.io/alpine/k8s:1.32.4${digest}` };
    });
    expect(idsIn(violationsOf(pinned))).not.toContain('IMG001');
  });
});
