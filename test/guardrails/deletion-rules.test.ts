import { idsIn, objectOf, shippedEnvironments, violationsAfter, violationsOf } from '../helpers/fixtures';

/** Deletion protection (DEL). */

describe('DEL001: deletion protection is never committed', () => {
  test('Noncompliance: a production Cluster carrying the deletion reason in Git', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'production', 'Cluster').metadata.addAnnotation('cnpg-gitops.io/deletion-reason', 'cleanup after the migration'));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'DEL001', environment: 'production', message: 'Cluster app-db carries cnpg-gitops.io/deletion-reason in Git, which disables its deletion protection' }));
  });
  test('Compliance: the shipped objects; develop does not check it', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('DEL001');
    const develop = violationsAfter((charts) => objectOf(charts, 'develop', 'ObjectStore').metadata.addAnnotation('cnpg-gitops.io/deletion-reason', 'throwaway store'));
    expect(idsIn(develop)).not.toContain('DEL001');
  });
});
